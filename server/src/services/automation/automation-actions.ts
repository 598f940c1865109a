import Mustache from 'mustache';
import { Op } from 'sequelize';
import { z } from 'zod';
import { emailAddress } from '../../lib/validation.js';
import { ValidationError, type FieldError } from '../../lib/errors.js';
import { AccountUser, Contact, Conversation, Inbox, Message, Team } from '../../models/index.js';
import { CONVERSATION_STATUSES, PRIORITIES } from '../../models/conversation.model.js';
import type { AutomationAction, AutomationRule } from '../../models/automation-rule.model.js';
import { serializeConversation } from '../../serializers/conversation.serializer.js';
import type { WebhookAddressGuard } from '../../webhooks/address-guard.js';
import { sendWebhook } from '../../webhooks/webhook-sender.js';
import type { AccountScope } from '../account-scope.js';
import type { ConversationActions } from '../conversation-actions.service.js';
import type { ConversationService } from '../conversations.service.js';
import type { MessageService } from '../messages.service.js';
import type { TransactionalMail } from '../../mailers/transactional-mail.js';

/** The services an action acts through: the same ones an agent's request goes through. */
export interface ActionServices {
  conversations: ConversationService;
  conversationActions: ConversationActions;
  messages: MessageService;
  mail: Pick<TransactionalMail, 'enqueue'>;
  guard: WebhookAddressGuard;
}

interface ActionContext {
  scope: AccountScope;
  conversation: Conversation;
  rule: AutomationRule;
  services: ActionServices;
}

interface ActionDefinition {
  /** Checks the params at save time; returns them as stored, or the problem with them. */
  check(params: unknown[], accountId: number): Promise<unknown[] | string>;
  run(ctx: ActionContext, params: unknown[]): Promise<void>;
}

/** Chatwoot's "nothing" parameter for unassigning and clearing. */
const isNil = (v: unknown) => v === null || v === 'nil' || v === 'none' || v === 0 || v === '0';
const asId = (v: unknown): number | null => (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v)) ? Number(v) || null : null);
/** A placeholder left open (`{{contact.name`) would fail every run: refused when the rule is saved. */
const placeholderProblem = (template: string): string | null => {
  try {
    Mustache.parse(template);
    return null;
  } catch (err) {
    return `has a placeholder that is not closed properly (${(err as Error).message.split('\n')[0]})`;
  }
};
const text = (params: unknown[]) => {
  if (typeof params[0] !== 'string' || !params[0].trim() || params[0].length > 150_000) return 'must hold the text (up to 150,000 characters)';
  return placeholderProblem(params[0]) ?? [params[0]];
};
const labels = (params: unknown[]) => {
  const titles = params.map((p) => (typeof p === 'string' ? p.trim().toLowerCase() : ''));
  return titles.length && titles.every(Boolean) ? [...new Set(titles)] : 'must list at least one label title';
};
/**
 * Chatwoot's placeholders in a rule's message (`{{contact.name}}`, `{{contact.email}}`,
 * `{{contact.phone_number}}`, `{{conversation.id}}`, `{{inbox.name}}`), filled in as the canned
 * responses' are; unknown ones become empty. Plain text: nothing is HTML-escaped.
 */
async function filled(conversation: Conversation, text: string): Promise<string> {
  const [contact, inbox] = await Promise.all([
    Contact.findByPk(conversation.contact_id, { attributes: ['name', 'email', 'phone_number'] }),
    Inbox.findByPk(conversation.inbox_id, { attributes: ['name'] }),
  ]);
  const values = {
    contact: { name: contact?.name ?? '', email: contact?.email ?? '', phone_number: contact?.phone_number ?? '' },
    conversation: { id: conversation.display_id },
    inbox: { name: inbox?.name ?? '' },
  };
  return Mustache.render(text, values, {}, { escape: (s: string) => s });
}

const statusAction = (status: 'open' | 'resolved' | 'snoozed' | 'pending'): ActionDefinition => ({
  check: async () => [],
  run: async ({ scope, conversation, services }) => void (await services.conversations.toggleStatus(scope, conversation.display_id, { status })),
});

/**
 * The actions a rule may take (Chatwoot's action names and `action_params` lists), each through the
 * service an agent's request uses, so activity lines, events, webhooks and notifications follow as
 * for any change; the activity lines name "Automation System".
 */
export const ACTIONS: Record<string, ActionDefinition> = {
  assign_agent: {
    async check(params, accountId) {
      const value = params[0];
      if (isNil(value) || value === 'last_responding_agent') return [value === 'last_responding_agent' ? value : 'nil'];
      const id = asId(value);
      const member = id && (await AccountUser.findOne({ where: { account_id: accountId, user_id: id, invitation_pending: false }, attributes: ['id'] }));
      return member ? [id] : 'must name an agent of this account, "last_responding_agent" or "nil"';
    },
    async run({ scope, conversation, services }, [value]) {
      let assignee: number | null = isNil(value) ? null : asId(value);
      if (value === 'last_responding_agent') {
        const last = await Message.findOne({ where: { conversation_id: conversation.id, message_type: 'outgoing', sender_type: 'User', sender_id: { [Op.ne]: null } }, order: [['id', 'DESC']], attributes: ['sender_id'] });
        if (!last) return;
        assignee = last.sender_id;
      }
      await services.conversations.assign(scope, conversation.display_id, { assignee_id: assignee });
    },
  },
  assign_team: {
    async check(params, accountId) {
      if (isNil(params[0])) return ['nil'];
      const id = asId(params[0]);
      const team = id && (await Team.findOne({ where: { id, account_id: accountId }, attributes: ['id'] }));
      return team ? [id] : 'must name a team of this account, or "nil"';
    },
    async run({ scope, conversation, services }, [value]) {
      await services.conversations.assign(scope, conversation.display_id, { team_id: isNil(value) ? null : asId(value) });
    },
  },
  add_label: {
    check: async (params) => labels(params),
    async run({ scope, conversation, services }, params) {
      const current = await services.conversations.labels(scope, conversation.display_id);
      await services.conversations.setLabels(scope, conversation.display_id, { labels: [...new Set([...current, ...(params as string[])])] });
    },
  },
  remove_label: {
    check: async (params) => labels(params),
    async run({ scope, conversation, services }, params) {
      const current = await services.conversations.labels(scope, conversation.display_id);
      await services.conversations.setLabels(scope, conversation.display_id, { labels: current.filter((t) => !params.includes(t)) });
    },
  },
  change_status: {
    check: async ([status]) => (CONVERSATION_STATUSES.includes(status as never) ? [status] : `must be one of ${CONVERSATION_STATUSES.join(', ')}`),
    async run({ scope, conversation, services }, [status]) {
      await services.conversations.toggleStatus(scope, conversation.display_id, { status });
    },
  },
  remove_assigned_agent: {
    check: async () => [],
    run: async ({ scope, conversation, services }) => void (await services.conversations.assign(scope, conversation.display_id, { assignee_id: null })),
  },
  remove_assigned_team: {
    check: async () => [],
    run: async ({ scope, conversation, services }) => void (await services.conversations.assign(scope, conversation.display_id, { team_id: null })),
  },
  resolve_conversation: statusAction('resolved'),
  open_conversation: statusAction('open'),
  snooze_conversation: statusAction('snoozed'),
  pending_conversation: statusAction('pending'),
  change_priority: {
    check: async ([priority]) => (isNil(priority) ? ['nil'] : PRIORITIES.includes(priority as never) ? [priority] : `must be one of ${PRIORITIES.join(', ')} or "nil"`),
    async run({ scope, conversation, services }, [priority]) {
      await services.conversations.togglePriority(scope, conversation.display_id, { priority: isNil(priority) ? null : priority });
    },
  },
  mute_conversation: {
    check: async () => [],
    async run({ scope, conversation, services }) {
      await services.conversationActions.setMuted(scope, conversation.display_id, true);
    },
  },
  send_message: {
    check: async (params) => text(params),
    async run({ scope, conversation, services }, [content]) {
      await services.messages.create(scope, conversation.display_id, { content: await filled(conversation, String(content)) });
    },
  },
  add_private_note: {
    check: async (params) => text(params),
    async run({ scope, conversation, services }, [content]) {
      await services.messages.create(scope, conversation.display_id, { content: await filled(conversation, String(content)), private: true });
    },
  },
  /** Chatwoot's `["a@x.test, b@y.test"]`: the conversation's transcript emailed to each address. */
  send_email_transcript: {
    async check([list]) {
      const emails = typeof list === 'string' ? list.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean) : [];
      const parsed = z.array(emailAddress).min(1).max(20).safeParse(emails);
      return parsed.success ? [parsed.data.join(',')] : 'must list one to 20 email addresses, separated by commas';
    },
    async run({ conversation, services }, [list]) {
      for (const email of String(list).split(',')) await services.mail.enqueue({ kind: 'conversation_transcript', conversationId: conversation.id, email });
    },
  },
  /** Chatwoot's `[{ team_ids, message }]`: the message emailed to each team's members, with a link to the conversation. */
  send_email_to_team: {
    async check([params], accountId) {
      const { team_ids: ids, message } = (params ?? {}) as { team_ids?: unknown; message?: unknown };
      const teamIds = Array.isArray(ids) ? ids.map(asId) : [];
      if (!teamIds.length || teamIds.some((id) => !id)) return 'must be [{ "team_ids": [...], "message": "..." }] with at least one team';
      if (typeof message !== 'string' || !message.trim() || message.length > 10_000) return 'must hold the message for the team (up to 10,000 characters)';
      const problem = placeholderProblem(message);
      if (problem) return problem;
      const found = await Team.count({ where: { id: teamIds as number[], account_id: accountId } });
      return found === new Set(teamIds).size ? [{ team_ids: [...new Set(teamIds)], message }] : 'must name teams of this account';
    },
    async run({ conversation, services }, [params]) {
      const { team_ids: teamIds, message } = params as { team_ids: number[]; message: string };
      const text = await filled(conversation, message);
      for (const teamId of teamIds) await services.mail.enqueue({ kind: 'automation_team_email', conversationId: conversation.id, teamId, message: text });
    },
  },
  /** Chatwoot's: the conversation's webhook payload, with `event: automation_event.<event>`, POSTed once (through the SSRF guard). */
  send_webhook_event: {
    async check([url]) {
      try {
        const parsed = new URL(String(url));
        if (!['http:', 'https:'].includes(parsed.protocol)) return 'must be an http(s) URL';
        return [parsed.toString()];
      } catch {
        return 'must be an http(s) URL';
      }
    },
    async run({ scope, conversation, rule, services }, [url]) {
      const view = await services.conversations.show(scope, conversation.display_id);
      const body = JSON.stringify({ ...serializeConversation(view), event: `automation_event.${rule.event_name}` });
      const result = await sendWebhook(String(url), body, {}, services.guard);
      if (!result.ok) throw new Error(`the webhook was not delivered: ${result.error}`);
    },
  },
};

/** Checks a rule's actions: every problem as a field error under `actions.<n>`; returns them as stored. */
export async function checkActions(accountId: number, actions: { action_name: string; action_params: unknown[] }[]): Promise<AutomationAction[]> {
  const problems: FieldError[] = [];
  const stored: AutomationAction[] = [];
  for (const [i, action] of actions.entries()) {
    const definition = ACTIONS[action.action_name];
    if (!definition) {
      problems.push({ path: `actions.${i}.action_name`, message: `"${action.action_name}" is not supported (one of ${Object.keys(ACTIONS).join(', ')})` });
      continue;
    }
    const params = await definition.check(action.action_params, accountId);
    if (typeof params === 'string') problems.push({ path: `actions.${i}.action_params`, message: params });
    else stored.push({ action_name: action.action_name, action_params: params });
  }
  if (problems.length) throw new ValidationError(problems);
  return stored;
}
