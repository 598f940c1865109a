import type { AutomationRule } from '../models/automation-rule.model.js';
import { unix } from './user.serializer.js';

/** Chatwoot's automation rule partial. */
export function serializeAutomationRule(rule: AutomationRule) {
  return {
    id: rule.id,
    account_id: rule.account_id,
    name: rule.name,
    description: rule.description,
    event_name: rule.event_name,
    conditions: rule.conditions,
    actions: rule.actions,
    created_on: unix(rule.created_at),
    active: rule.active,
  };
}
