import type { Request, RequestHandler } from 'express';
import { AppError } from '../../lib/errors.js';
import { callbackErrorPage, type CallbackPage } from './callback-page.js';

/**
 * `GET …/callback`, where a provider sends the browser back. `complete` answers where to go next; a
 * refused handshake (a 400 AppError: bad state, another browser, not in the account any more) gets an
 * error page instead, because the state cannot be trusted to say which account's page to open.
 */
export function callbackRoute(page: Omit<CallbackPage, 'message'>, complete: (req: Request) => Promise<string>): RequestHandler {
  return async (req, res) => {
    res.setHeader('cache-control', 'no-store');
    try {
      res.redirect(302, await complete(req));
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      req.log?.info({ code: err.code, path: req.path }, 'oauth callback refused');
      res.status(400).type('html').send(callbackErrorPage({ ...page, message: err.message }));
    }
  };
}
