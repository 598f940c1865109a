import type { Request, Response } from 'express';
import { randomToken } from '../../lib/crypto.js';

/** The cookie that ties an OAuth state to the browser that asked for it. */
export const BINDING_COOKIE = 'leadchat_oauth_binding';
const WELL_FORMED = /^[\w-]{43}$/;

/**
 * A signed state alone is a bearer ticket: whoever finishes the provider's sign-in with it would
 * connect their own mailbox to the account of the administrator who started. So the response that
 * starts a sign-in sets a random value in an httpOnly SameSite=Lax cookie and the state carries its
 * hash; Lax cookies ride along on the provider's top-level redirect back, so only the starting browser
 * can finish. One value per browser, reused while it lives, so sign-ins started in two tabs both finish.
 */
export function bindBrowser(req: Request, res: Response, opts: { secure: boolean; maxAgeMs: number }): string {
  const value = browserBinding(req) ?? randomToken(32);
  res.cookie(BINDING_COOKIE, value, { httpOnly: true, sameSite: 'lax', secure: opts.secure, path: '/', maxAge: opts.maxAgeMs });
  return value;
}

/** The binding the browser sent (cookie-parser has read the cookies), if it is one we could have set. */
export function browserBinding(req: Request): string | undefined {
  const value: unknown = req.cookies?.[BINDING_COOKIE];
  return typeof value === 'string' && WELL_FORMED.test(value) ? value : undefined;
}
