import { Router } from 'express';
import { NotFoundError, accountScope, idParam } from '../../../../../server/src/extensions/index.js';
import { GraphReceiveState, type RejectReason } from './graph-state.model.js';
import { isGraphFull, type GraphReceiveDeps } from './graph-target.js';
import { enqueueSubscription } from './graph-receive.job.js';
import { MICROSOFT_SHARED } from '../provider.js';

export const ADMIN_CONSENT_RETURN_PATH = '/microsoft_shared/admin_consent';

/** The inbox the administrator asked from, carried through Entra in `state` as `<account id>.<inbox id>` (ids only). */
interface ConsentOrigin {
  accountId: number;
  inboxId: number;
}

const ORIGIN = /^(\d{1,15})\.(\d{1,15})$/;

/**
 * Entra's tenant-specific admin-consent URL for the app: granting it gives the app-only `Mail.Read`
 * that push needs; with `origin`, the return lands on that inbox's tab. `null` when no Microsoft app is configured.
 */
export function adminConsentUrl(config: GraphReceiveDeps['config'], tenantId: string, origin?: ConsentOrigin): string | null {
  if (!config.MICROSOFT_CLIENT_ID) return null;
  const authority = new URL(config.MICROSOFT_AUTHORITY);
  // The configured authority ends in `organizations`, `common` or a tenant; consent is asked of the channel's tenant.
  const segments = authority.pathname.split('/').filter(Boolean);
  segments.splice(Math.max(segments.length - 1, 0), 1, encodeURIComponent(tenantId));
  const params = new URLSearchParams({ client_id: config.MICROSOFT_CLIENT_ID, redirect_uri: `${config.FRONTEND_URL}${ADMIN_CONSENT_RETURN_PATH}` });
  if (origin) params.set('state', `${origin.accountId}.${origin.inboxId}`);
  return `${authority.origin}/${segments.join('/')}/v2.0/adminconsent?${params}`;
}

/**
 * Where the browser goes back to: the inbox's Microsoft 365 tab with `admin_consent=granted|denied` (a
 * code the page words itself; nothing Entra sent is echoed), or the dashboard without an origin.
 */
function returnUrl(frontendUrl: string, state: unknown, granted: boolean): string {
  const origin = typeof state === 'string' ? ORIGIN.exec(state) : null;
  if (!origin) return `${frontendUrl}/app`;
  return `${frontendUrl}/app/accounts/${origin[1]}/settings/inboxes/${origin[2]}?tab=${MICROSOFT_SHARED}&admin_consent=${granted ? 'granted' : 'denied'}`;
}

/** `GET /microsoft_shared/inboxes/:inbox_id/graph_status` (account route): how a graph_full inbox receives. */
export function graphStatusRouter(deps: Pick<GraphReceiveDeps, 'models' | 'config'>): Router {
  const router = Router();
  router.get('/microsoft_shared/inboxes/:inbox_id/graph_status', async (req, res) => {
    const scope = accountScope(req);
    const inboxId = idParam(req.params.inbox_id, 'Inbox');
    const inbox = await deps.models.Inbox.findOne({ where: { id: inboxId, account_id: scope.account.id } });
    if (!inbox || (!scope.isAdministrator && !(await deps.models.InboxMember.findOne({ where: { inbox_id: inboxId, user_id: scope.user.id } })))) {
      throw new NotFoundError('Inbox');
    }
    const channel = await deps.models.ChannelEmail.findByPk(inbox.channel_id);
    if (!channel || !isGraphFull(channel)) throw new NotFoundError('Graph receive status');
    const state = await GraphReceiveState.findByPk(channel.id);
    const rejected: Record<RejectReason, number> = { unknown_subscription: 0, client_state_mismatch: 0, malformed: 0, ...state?.rejected_notifications };
    res.json({
      receive_mode: state?.receive_mode ?? channel.provider_config.receive_mode ?? 'polling',
      subscription_expires_at: state?.subscription_expires_at ?? null,
      last_notification_at: state?.last_notification_at ?? null,
      rejected_notifications: rejected,
      last_sweep_at: state?.last_sweep_at ?? null,
      last_sweep_error: state?.last_sweep_error ?? null,
      admin_consent_url: adminConsentUrl(deps.config, String(channel.provider_config.tenant_id ?? 'organizations'), { accountId: scope.account.id, inboxId }),
    });
  });
  return router;
}

/**
 * Where Entra sends the administrator back after admin consent (`?admin_consent=True&tenant=...`):
 * the tenant's graph_full channels re-decide their mode at once instead of at the next hourly check.
 * Unauthenticated like any redirect target; it only queues an idempotent check.
 */
export function adminConsentReturnRouter(deps: Pick<GraphReceiveDeps, 'queues' | 'config'>): Router {
  const router = Router();
  router.get(ADMIN_CONSENT_RETURN_PATH, async (req, res) => {
    const tenant = typeof req.query.tenant === 'string' ? req.query.tenant : '';
    const granted = req.query.admin_consent === 'True' && /^[0-9a-f-]{36}$/i.test(tenant);
    if (granted) {
      const states = await GraphReceiveState.findAll({ where: { tenant_id: tenant }, attributes: ['channel_id'] });
      for (const s of states) await enqueueSubscription(deps, s.channel_id, 'ensure');
    }
    res.redirect(302, returnUrl(deps.config.FRONTEND_URL, req.query.state, granted));
  });
  return router;
}
