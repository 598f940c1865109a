import express, { Router } from 'express';
import { z } from 'zod';
import { randomToken } from '../../lib/crypto.js';
import { AuthenticationError } from '../../lib/errors.js';
import type { RealtimeHub } from '../../realtime/realtime-hub.js';
import { sessionUser } from '../auth.js';
import type { PasswordService } from '../../mailers/passwords.service.js';
import type { ProfileService } from '../../services/profiles.js';
import { findUserByEmail, verifyPassword } from '../../services/users.js';
import { BINDING_COOKIE } from '../oauth-handshake/browser-binding.js';
import { parse } from '../validate.js';

const signIn = z.object({ email: z.string().trim().min(1, 'is required'), password: z.string().min(1, 'is required') });

/**
 * Dashboard sign-in: an httpOnly, SameSite=Lax session cookie plus a per-session CSRF token that the
 * dashboard sends back in `X-CSRF-Token` on every write. `extensions` names the overlays this server
 * runs: the dashboard bundle carries every overlay's screens and shows only those.
 */
export function sessionsRouter(profiles: ProfileService, extensions: readonly string[], streams: Pick<RealtimeHub, 'endSession'>): Router {
  const router = Router();

  router.post('/sign_in', async (req, res) => {
    const { email, password } = parse(signIn, req.body);
    const user = await findUserByEmail(email);
    if (!(await verifyPassword(user, password)) || !user) throw new AuthenticationError('Invalid email or password');
    await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
    // A sign-in to a provider started before this session belongs to whoever used the browser then.
    res.clearCookie(BINDING_COOKIE);
    req.session.userId = user.id;
    req.session.epoch = user.session_epoch;
    req.session.csrfToken = randomToken(24);
    res.json({ data: await profiles.show(user), csrf_token: req.session.csrfToken, extensions });
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
