import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import { ForbiddenError, TooManyRequestsError } from '../../lib/errors.js';

/**
 * Failed sign-ins allowed before the next try waits. Three counters, so that guessing is slow and a
 * stranger cannot lock a real user out for long: the same email from the same address (the usual
 * brute force), one address trying many emails (credential stuffing), and one email from many
 * addresses (a distributed guess: it blocks that email briefly, never for longer than the window).
 */
export const SIGN_IN_LIMITS = {
  emailAndIp: { points: 10, duration: 15 * 60 },
  ip: { points: 100, duration: 60 * 60 },
  email: { points: 50, duration: 15 * 60 },
} as const;

/**
 * Login CSRF: a sign-in must come from the dashboard's own pages (or an API client that sends JSON).
 * A cross-site HTML form can only send form encodings and carries the other site's Origin/Referer.
 */
function sameSiteSignIn(frontendUrl: string): RequestHandler {
  const frontendOrigin = new URL(frontendUrl).origin;
  return (req, _res, next) => {
    const ownOrigin = `${req.protocol}://${req.get('host')}`;
    const claimed = req.get('origin') ?? (req.get('referer') ? new URL(req.get('referer')!, ownOrigin).origin : undefined);
    if (claimed && claimed !== 'null' && claimed !== frontendOrigin && claimed !== ownOrigin) {
      return next(new ForbiddenError('Sign-in is only accepted from LeadChat\'s own pages'));
    }
    if (claimed === 'null' || !req.is('application/json')) {
      return next(new ForbiddenError('Sign in with a JSON request (Content-Type: application/json)'));
    }
    next();
  };
}

function throttle(redis: Redis, prefix: string): RequestHandler {
  const limiter = (name: keyof typeof SIGN_IN_LIMITS) =>
    new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:sign_in:${name}`, ...SIGN_IN_LIMITS[name] });
  const emailAndIp = limiter('emailAndIp');
  const ip = limiter('ip');
  const email = limiter('email');

  return async (req, res, next) => {
    try {
      const address = typeof req.body?.email === 'string' ? req.body.email.trim().toLowerCase() : '';
      const keys: [RateLimiterRedis, string][] = [[emailAndIp, `${address}|${req.ip}`], [ip, req.ip ?? ''], [email, address]];
      const states = await Promise.all(keys.map(([l, key]) => l.get(key)));
      const waits = states.flatMap((s: RateLimiterRes | null) => (s && s.remainingPoints <= 0 ? [s.msBeforeNext] : []));
      if (waits.length) {
        const seconds = Math.max(1, Math.ceil(Math.max(...waits) / 1000));
        res.set('Retry-After', String(seconds));
        throw new TooManyRequestsError(`Too many failed sign-in attempts. Try again in ${Math.ceil(seconds / 60)} minute${seconds > 60 ? 's' : ''}.`);
      }
      res.on('finish', () => {
        if (res.statusCode === 401) {
          for (const [l, key] of keys) l.consume(key).catch(() => undefined);
        } else if (res.statusCode < 300) {
          emailAndIp.delete(`${address}|${req.ip}`).catch(() => undefined);
        }
      });
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** What runs before `POST /auth/sign_in`: the same-site check, then the failed-attempt counters. */
export function signInGuard(deps: { redis: Redis; redisPrefix: string; frontendUrl: string }): RequestHandler[] {
  return [sameSiteSignIn(deps.frontendUrl), throttle(deps.redis, deps.redisPrefix)];
}
