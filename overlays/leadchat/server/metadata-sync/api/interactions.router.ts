import { Router } from 'express';
import type { Sequelize } from 'sequelize';
import { accountScope, idParam, type ExtensionContext } from '../../../../../server/src/extensions/index.js';
import { contactInteractions } from './interactions.service.js';

/** `GET /api/v1/accounts/:account_id/contacts/:contact_id/interactions` (any member of the account). */
export function interactionsRouter(ctx: Pick<ExtensionContext, 'models'> & { sequelize: Sequelize }): Router {
  const router = Router();
  router.get('/contacts/:contact_id/interactions', async (req, res) => {
    res.json(await contactInteractions(ctx, accountScope(req), idParam(req.params.contact_id, 'Contact')));
  });
  return router;
}
