// SMTP submission like smtp.office365.com:587 — STARTTLS before AUTH, XOAUTH2 for tenant users (the
// SASL user is the delegate), password AUTH only for plain mailboxes, and Exchange's Send As rule on
// the message's From. Accepted mail goes through the post office (LMTP into Dovecot).
import fs from 'node:fs';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server';
import type { Logger } from 'pino';
import type { World } from '../world/world.js';
import type { MailAuth } from './mail-auth.js';
import type { PostOffice } from './post-office.js';
import { summarize } from './mime.js';

const smtpError = (responseCode: number, message: string): Error => Object.assign(new Error(message), { responseCode });

interface SessionUser {
  login: string;
  /** Tenant users are subject to Send As; plain mailboxes may send only as themselves. */
  tenant: boolean;
}

export function createSmtpSubmission(o: {
  world: World; auth: MailAuth; postOffice: PostOffice; certPath: string; keyPath: string; logger: Logger;
}): SMTPServer {
  const { world, auth, postOffice, logger } = o;
  return new SMTPServer({
    name: 'smtp.sandbox.test',
    banner: 'LeadChat sandbox SMTP submission',
    key: fs.readFileSync(o.keyPath),
    cert: fs.readFileSync(o.certPath),
    secure: false,
    allowInsecureAuth: false,
    authMethods: ['XOAUTH2', 'PLAIN', 'LOGIN'],
    size: 35 * 1024 * 1024,
    logger: false,
    onAuth(creds: SMTPServerAuthentication, _session: SMTPServerSession, cb) {
      const username = (creds.username ?? '').toLowerCase();
      // Exchange refuses every method, OAuth included, while SMTP AUTH is off for the tenant.
      if (world.smtpAuthDisabled && world.findUser(username)) {
        return cb(smtpError(535, '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.'));
      }
      const check = creds.method === 'XOAUTH2'
        ? auth.bearer('smtp', username, creds.accessToken ?? '').then((r) => {
          // Exchange binds the SASL user to the token's user; a delegate cannot log in "as" the shared mailbox here.
          if (r.ok && r.authenticatedAs !== username) return { ok: false as const, reason: 'SASL user differs from the token user' };
          return r;
        })
        : auth.password(username, creds.password ?? '');
      check.then((r) => {
        if (!r.ok) {
          logger.info({ username, method: creds.method, reason: r.reason }, 'smtp auth refused');
          return cb(smtpError(535, '5.7.3 Authentication unsuccessful'));
        }
        const user: SessionUser = { login: r.authenticatedAs, tenant: world.findUser(r.authenticatedAs) !== undefined };
        cb(null, { user });
      }, (err: Error) => cb(err));
    },
    onMailFrom(_address, session, cb) {
      if (!session.user) return cb(smtpError(530, '5.7.57 Client not authenticated to send mail'));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const user = session.user as SessionUser;
        (async () => {
          const summary = await summarize(raw);
          const from = summary.from ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address.toLowerCase() : null);
          if (!from) throw smtpError(550, '5.6.0 Message has no From address');
          const allowed = user.tenant ? world.canSendAs(user.login, from) : from === user.login;
          if (!allowed) {
            throw smtpError(550, `5.7.60 SMTP; Client does not have permissions to send as this sender (SendAsDenied; ${user.login} not allowed to send as ${from})`);
          }
          // Exchange keeps the submitter's Sent Items copy; the shared mailbox gets one too only with MessageCopyForSentAsEnabled.
          const sentCopies: string[] = [];
          if (user.tenant) {
            sentCopies.push(user.login);
            if (from !== user.login && world.findShared(from)?.messageCopyForSentAsEnabled) sentCopies.push(from);
          }
          const record = await postOffice.submit({
            via: 'smtp', submittedBy: user.login, raw,
            recipients: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            sentCopies,
          });
          return record.messageId;
        })().then((messageId) => cb(null, `2.6.0 ${messageId} Queued mail for delivery`), (err: Error) => {
          if (!('responseCode' in err)) logger.error({ err }, 'smtp submission failed');
          cb(err);
        });
      });
    },
  });
}
