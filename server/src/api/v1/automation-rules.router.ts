import { Router } from 'express';
import type { AutomationRuleService } from '../../services/automation/automation-rules.service.js';
import { serializeAutomationRule } from '../../serializers/automation-rule.serializer.js';
import { idParam } from '../../lib/validation.js';
import { requireAdministrator } from '../auth.js';
import { accountScope } from '../request-context.js';

/**
 * Chatwoot's `/automation_rules` (administrators), with its wrapping: the list and the single rule
 * under `payload`, except the created rule, which Chatwoot answers bare.
 */
export function automationRulesRouter(rules: AutomationRuleService): Router {
  const router = Router();
  router.use('/automation_rules', requireAdministrator);
  const id = (value: unknown) => idParam(value, 'Automation rule');

  router.get('/automation_rules', async (req, res) => {
    res.json({ payload: (await rules.list(accountScope(req))).map(serializeAutomationRule) });
  });

  router.post('/automation_rules', async (req, res) => {
    res.json(serializeAutomationRule(await rules.create(accountScope(req), req.body ?? {})));
  });

  router.get('/automation_rules/:id', async (req, res) => {
    res.json({ payload: serializeAutomationRule(await rules.find(accountScope(req), id(req.params.id))) });
  });

  router.patch('/automation_rules/:id', async (req, res) => {
    res.json({ payload: serializeAutomationRule(await rules.update(accountScope(req), id(req.params.id), req.body ?? {})) });
  });

  router.delete('/automation_rules/:id', async (req, res) => {
    await rules.destroy(accountScope(req), id(req.params.id));
    res.json({ message: 'Automation rule deleted' });
  });

  router.post('/automation_rules/:id/clone', async (req, res) => {
    res.json({ payload: serializeAutomationRule(await rules.clone(accountScope(req), id(req.params.id))) });
  });

  return router;
}
