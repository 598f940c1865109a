import { Router } from 'express';
import { NotFoundError, accountScope, idParam, requireAdministrator, type ExtensionContext } from '../../../../../server/src/extensions/index.js';
import { MICROSOFT_SHARED } from '../provider.js';
import type { ConnectionDoctor } from './connection-doctor.js';

/**
 * `POST /api/v1/accounts/:account_id/microsoft_shared/inboxes/:inbox_id/doctor` (administrators):
 * runs the connection checks now and answers `{ checks: [{ id, status, detail, fix? }], checked_at }`.
 * POST because it acts: it refreshes the sign-in and sends a test message.
 */
export function doctorRouter(doctor: ConnectionDoctor, models: ExtensionContext['models']): Router {
  const router = Router();
  router.post(`/${MICROSOFT_SHARED}/inboxes/:inbox_id/doctor`, requireAdministrator, async (req, res) => {
    const scope = accountScope(req);
    const inbox = await models.Inbox.findOne({ where: { id: idParam(req.params.inbox_id, 'Inbox'), account_id: scope.account.id } });
    const channel = inbox && (await models.ChannelEmail.findByPk(inbox.channel_id));
    if (!inbox || !channel || channel.provider !== MICROSOFT_SHARED) throw new NotFoundError('Microsoft 365 shared inbox');
    res.json(await doctor.examine(channel, { id: inbox.id, name: inbox.name, account_id: inbox.account_id, created_at: inbox.created_at }));
  });
  return router;
}
