// Relative imports carry .js: this module is also type-checked from the mocha tests under NodeNext.
import { accountUrl, request } from './client.js';

export const AUTOMATION_EVENTS = ['conversation_created', 'conversation_updated', 'conversation_opened', 'conversation_resolved', 'message_created'] as const;
export type AutomationEvent = (typeof AUTOMATION_EVENTS)[number];

export interface AutomationCondition {
  attribute_key: string;
  filter_operator: string;
  values: (string | number)[];
  query_operator: 'AND' | 'OR' | null;
}

export interface AutomationAction {
  action_name: string;
  action_params: unknown[];
}

export interface AutomationRule {
  id: number;
  name: string;
  description: string | null;
  event_name: AutomationEvent;
  conditions: AutomationCondition[];
  actions: AutomationAction[];
  active: boolean;
  created_on: number;
}

export type AutomationRuleInput = Partial<Pick<AutomationRule, 'name' | 'description' | 'event_name' | 'conditions' | 'actions' | 'active'>>;

/** Chatwoot's wrapping: the list and an updated rule under `payload`, a created rule bare. */
export const automationRulesApi = {
  list: async (accountId: number) => (await request<{ payload: AutomationRule[] }>('GET', accountUrl(accountId, '/automation_rules'))).payload,
  create: (accountId: number, body: AutomationRuleInput) => request<AutomationRule>('POST', accountUrl(accountId, '/automation_rules'), body),
  update: async (accountId: number, id: number, body: AutomationRuleInput) => (await request<{ payload: AutomationRule }>('PATCH', accountUrl(accountId, `/automation_rules/${id}`), body)).payload,
  remove: (accountId: number, id: number) => request('DELETE', accountUrl(accountId, `/automation_rules/${id}`)),
};
