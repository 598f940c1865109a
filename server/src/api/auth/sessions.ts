import { Router } from 'express';
import { z } from 'zod';
import { randomToken } from '../../lib/crypto.js';
import { AuthenticationError } from '../../lib/errors.js';
import { User } from '../../models/index.js';
import type { ProfileService } from '../../services/profiles.js';
import { findUserByEmail, verifyPassword } from '../../services/users.js';
import { parse } from '../validate.js';

const signIn = z.object({ email: z.string().trim().min(1, 'is required'), password: z.string().min(1, 'is required') });

/**
 * Dashboard sign-in: an httpOnly, SameSite=Lax session cookie plus a per-session CSRF token that the
 * dashboard sends back in `X-CSRF-Token` on every write.
 */
export function sessionsRouter(profiles: ProfileService): Router {
  const router = Router();

  router.post('/sign_in', async (req, res) => {
    const { email, password } = parse(signIn, req.body);
    const user = await findUserByEmail(email);
    if (!(await verifyPassword(user, password)) || !user) throw new AuthenticationError('Invalid email or password');
    await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
    req.session.userId = user.id;
    req.session.csrfToken = randomToken(24);
    res.json({ data: await profiles.show(user), csrf_token: req.session.csrfToken });
  });

  // Not signed in is an answer here, not an error: the dashboard asks on every page load.
  router.get('/session', async (req, res) => {
    const user = req.session.userId ? await User.findByPk(req.session.userId) : null;
    res.json(user ? { data: await profiles.show(user), csrf_token: req.session.csrfToken } : { data: null });
  });

  router.delete('/sign_out', async (req, res) => {
    await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
    res.clearCookie('leadchat_session');
    res.json({ success: true });
  });

  return router;
}
