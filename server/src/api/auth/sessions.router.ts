import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { randomToken } from '../../lib/crypto.js';
import { AuthenticationError } from '../../lib/errors.js';
import type { RealtimeHub } from '../../realtime/realtime-hub.js';
import { sessionUser } from '../auth.js';
import type { PasswordService } from '../../mailers/passwords.service.js';
import type { ProfileService } from '../../services/profiles.service.js';
import type { AccessTokenService } from '../../services/access-tokens.service.js';
import type { SsoLinks } from '../../services/sso-links.service.js';
import { User } from '../../models/index.js';
import { findUserByEmail, verifyPassword } from '../../services/users.service.js';
import { BINDING_COOKIE } from '../oauth-handshake/browser-binding.js';
import { parse } from '../../lib/validation.js';

const signIn = z.object({ email: z.string().trim().min(1, 'is required'), password: z.string().min(1, 'is required') });

/**
 * Dashboard sign-in: an httpOnly, SameSite=Lax session cookie plus a per-session CSRF token that the
 * dashboard sends back in `X-CSRF-Token` on every write. `extensions` names the overlays this server
 * runs: the dashboard bundle carries every overlay's screens and shows only those.
 */
export function sessionsRouter(
  profiles: ProfileService,
  extensions: readonly string[],
  streams: Pick<RealtimeHub, 'endSession'>,
  tokens: Pick<AccessTokenService, 'tokenFor'>,
  sso: Pick<SsoLinks, 'consume'>,
): Router {
  const router = Router();

  /** Starts a dashboard session like a password sign-in: a new session id, the user's epoch, a CSRF token. */
  async function startSession(req: Request, res: Response, user: User): Promise<void> {
    await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
    // A sign-in to a provider started before this session belongs to whoever used the browser then.
    res.clearCookie(BINDING_COOKIE);
    req.session.userId = user.id;
    req.session.epoch = user.session_epoch;
    req.session.csrfToken = randomToken(24);
  }

  router.post('/sign_in', async (req, res) => {
    const { email, password } = parse(signIn, req.body);
    const user = await findUserByEmail(email);
    if (!(await verifyPassword(user, password)) || !user) throw new AuthenticationError('Invalid email or password');
    await startSession(req, res, user);
    // devise-token-auth's headers, for Chatwoot clients that sign in with a password and then send
    // them back (`access-token`, `client`, `uid`): the token is the user's API access token.
    res.set({ 'access-token': await tokens.tokenFor(user), 'token-type': 'Bearer', client: randomToken(16), uid: user.email, expiry: String(Math.floor(Date.now() / 1000) + 14 * 24 * 3600) });
    res.json({ data: await profiles.show(user), csrf_token: req.session.csrfToken, extensions });
  });

  // The Platform API's single-use sign-in link (`GET /platform/api/v1/users/:id/login`).
  router.get('/sso', async (req, res) => {
    const userId = await sso.consume(req.query.token);
    const user = userId ? await User.findByPk(userId) : null;
    if (!user) {
      res.redirect(303, '/?sso=expired');
      return;
    }
    await startSession(req, res, user);
    res.redirect(303, '/app');
  });

  // Not signed in is an answer here, not an error: the dashboard asks on every page load.
  router.get('/session', async (req, res) => {
    const user = await sessionUser(req);
    res.json(user ? { data: await profiles.show(user), csrf_token: req.session.csrfToken, extensions } : { data: null });
  });

  router.delete('/sign_out', async (req, res) => {
    const sessionId = req.sessionID;
    await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
    res.clearCookie('leadchat_session');
    res.clearCookie(BINDING_COOKIE);
    await streams.endSession(sessionId);
    res.json({ success: true });
  });

  return router;
}

export const PASSWORD_RESET_REQUESTED = 'If an account exists for this email, you will receive an email with instructions to reset your password in a few minutes.';

/**
 * Devise's `/auth/password`, as Chatwoot's dashboard calls it: request a reset link by email (always
 * 200, so it never tells whether an account exists) and set a new password with the link's token
 * (also how an invited agent sets their first one). Mounted as a public route: no session involved.
 */
export function passwordRouter(passwords: PasswordService): Router {
  const router = Router();
  router.use('/auth/password', express.json({ limit: '16kb' }));

  router.post('/auth/password', async (req, res) => {
    await passwords.requestReset(req.body ?? {});
    res.json({ success: true, message: PASSWORD_RESET_REQUESTED });
  });

  router.put('/auth/password', async (req, res) => {
    const email = await passwords.reset(req.body ?? {});
    res.json({ success: true, message: 'Your password has been changed. You can sign in with it now.', email });
  });

  return router;
}
