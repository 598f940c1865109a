import { Router } from 'express';
import { callbackRoute } from '../../../../../server/src/extensions/index.js';
import type { Provider } from '../metadata-sync.model.js';
import type { MetadataConnectFlow } from '../connect/connect.flow.js';

const TITLES: Record<Provider, string> = { microsoft: 'Could not connect Microsoft 365', google: 'Could not connect Google' };

/**
 * Public routes the providers send the browser to: `GET /integrations/:provider/callback` (the state
 * is signed; a bad one gets an error page, every other outcome a redirect to the integrations page),
 * and `GET /integrations/microsoft/admin_consent`, where an administrator lands after approving.
 */
export function callbackRouter(flow: MetadataConnectFlow): Router {
  const router = Router();
  for (const provider of ['microsoft', 'google'] as const) {
    const page = { title: TITLES[provider], homeUrl: flow.homeUrl(), startFrom: 'Settings → Integrations → Metadata sync' };
    router.get(`/integrations/${provider}/callback`, callbackRoute(page, (req) => flow.complete(req, provider)));
  }
  router.get('/integrations/microsoft/admin_consent', (req, res) => {
    const accountId = Number(req.query.state);
    if (!Number.isSafeInteger(accountId) || accountId <= 0) return void res.redirect(302, flow.homeUrl());
    const granted = String(req.query.admin_consent ?? '').toLowerCase() === 'true';
    res.redirect(302, flow.integrationsPage(accountId, granted
      ? { provider: 'microsoft', admin_consented: '1' }
      : { provider: 'microsoft', error: 'admin_consent_declined', message: 'The administrator did not approve LeadChat; nothing changed.' }));
  });
  return router;
}
