// Decides IMAP/SMTP logins the way Exchange Online does: OAuth only for tenant mailboxes (basic auth
// is off there), the token's user must hold Full Access on the mailbox logged into, and the token must
// carry the protocol's Outlook scope. Plain mailboxes outside the tenant log in with their password.
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { OUTLOOK_RESOURCE } from '../world/seed.js';
import type { World } from '../world/world.js';
import { TokenError, type TokenService } from '../entra/tokens.js';

export type MailProtocol = 'imap' | 'smtp';

const SCOPE_BY_PROTOCOL: Record<MailProtocol, string> = { imap: 'IMAP.AccessAsUser.All', smtp: 'SMTP.Send' };

export type MailAuthResult = { ok: true; authenticatedAs: string } | { ok: false; reason: string };

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
};

export class MailAuth {
  /** The sandbox's own IMAP access (Graph stand-in, seeding); never leaves the process. */
  readonly internalSecret = crypto.randomBytes(24).toString('base64url');

  constructor(private readonly world: World, private readonly tokens: TokenService, private readonly logger: Logger) {}

  async password(login: string, password: string): Promise<MailAuthResult> {
    if (sameSecret(password, this.internalSecret) && this.world.findMailbox(login)) return { ok: true, authenticatedAs: login };
    const mailbox = this.world.plainMailboxes.find((m) => m.address === login.toLowerCase());
    if (mailbox && sameSecret(password, mailbox.password)) return { ok: true, authenticatedAs: mailbox.address };
    return { ok: false, reason: mailbox ? 'wrong password' : 'basic authentication is disabled for this mailbox' };
  }

  /**
   * XOAUTH2: `login` is the mailbox to open (IMAP) or the SASL user (SMTP); the token's user must be
   * allowed to open it. For SMTP the caller then checks Send As against the message's From.
   */
  async bearer(protocol: MailProtocol, login: string, token: string): Promise<MailAuthResult> {
    try {
      const principal = await this.tokens.verify(token, OUTLOOK_RESOURCE);
      if (principal.kind !== 'delegated') return { ok: false, reason: 'app-only tokens are not accepted here' };
      if (!principal.scopes.has(SCOPE_BY_PROTOCOL[protocol])) return { ok: false, reason: `token lacks ${SCOPE_BY_PROTOCOL[protocol]}` };
      if (!this.world.hasFullAccess(principal.user.upn, login)) {
        return { ok: false, reason: `${principal.user.upn} has no Full Access on ${login}` };
      }
      return { ok: true, authenticatedAs: principal.user.upn };
    } catch (err) {
      if (err instanceof TokenError) return { ok: false, reason: err.message };
      throw err;
    }
  }

  /** Body of the Lua passdb's request: mechanism, service, login, secret on four lines. */
  async fromLoginHook(body: string): Promise<MailAuthResult> {
    const [mech = '', service = '', login = '', ...rest] = body.split('\n');
    const secret = rest.join('\n');
    const protocol: MailProtocol = service === 'smtp' ? 'smtp' : 'imap';
    const result = ['XOAUTH2', 'OAUTHBEARER'].includes(mech.toUpperCase())
      ? await this.bearer(protocol, login, secret)
      : await this.password(login, secret);
    if (!result.ok) this.logger.info({ login, mech, reason: result.reason }, 'mail login refused');
    return result;
  }
}
