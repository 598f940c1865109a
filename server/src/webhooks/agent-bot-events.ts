import type { EventBus, LifecycleEvents } from '../extensions/events.js';
import { Message } from '../models/index.js';
import { AGENT_BOT_EVENTS, type AgentBotEvent } from '../models/webhook.model.js';
import type { AgentBotService } from '../services/agent-bots.service.js';
import type { ConversationService } from '../services/conversations.service.js';
import { buildWebhookPayloads } from './webhook-payloads.js';
import type { AgentBotEventData, WebhookService } from './webhooks.service.js';

type Source = Parameters<typeof buildWebhookPayloads>[0];

/** Chatwoot's bot events for a status change: `conversation_opened` is the bot's cue that humans took over. */
const STATUS_EVENTS: Partial<Record<string, AgentBotEvent>> = { open: 'conversation_opened', resolved: 'conversation_resolved' };

const isBotEvent = (event: string): event is AgentBotEvent => (AGENT_BOT_EVENTS as readonly string[]).includes(event);

export interface AgentBotEventsDeps {
  bots: Pick<AgentBotService, 'botOfInbox'>;
  webhooks: Pick<WebhookService, 'publishToAgentBot'>;
  conversations: ConversationService;
}

/**
 * Sends an inbox's events to the agent bot attached to it (Chatwoot's `AgentBotListener`), through the
 * webhook deliveries: same payloads, signing, retries, ordering per conversation and address guard.
 * Activity lines are not sent (Chatwoot's `webhook_sendable?`), nor the bot's own messages, so a bot
 * answering every message never answers itself.
 */
export class AgentBotEvents {
  constructor(private readonly deps: AgentBotEventsDeps) {}

  subscribe(events: EventBus): void {
    events.on('conversation.created', (ids) => this.dispatch(ids, { kind: 'conversation', event: 'conversation.created', ids }), 'agent-bots');
    events.on('conversation.updated', (ids) => (ids.changes.includes('status') ? this.dispatch(ids, { kind: 'conversation', event: 'conversation.updated', ids }) : undefined), 'agent-bots');
    events.on('message.created', (ids) => this.dispatch(ids, { kind: 'message', event: 'message.created', ids }), 'agent-bots');
    events.on('message.updated', (ids) => this.dispatch(ids, { kind: 'message', event: 'message.updated', ids }), 'agent-bots');
  }

  private async dispatch(ids: LifecycleEvents['conversation.created'], source: Source): Promise<void> {
    const bot = await this.deps.bots.botOfInbox(ids.inboxId);
    if (!bot?.outgoing_url) return;
    if (source.kind === 'message') {
      const message = await Message.findByPk((source.ids as LifecycleEvents['message.created']).messageId, { attributes: ['id', 'message_type', 'sender_type', 'sender_id'] });
      if (!message || message.message_type === 'activity') return;
      if (message.sender_type === 'AgentBot' && Number(message.sender_id) === bot.id) return;
    }
    const built = await buildWebhookPayloads(source, this.deps.conversations);
    const sent: AgentBotEventData[] = [];
    for (const data of built) {
      if (!isBotEvent(data.event)) continue;
      sent.push({ ...data, event: data.event });
      const followUp = data.event === 'conversation_status_changed' ? STATUS_EVENTS[String(data.payload.status)] : undefined;
      if (followUp) sent.push({ ...data, event: followUp, payload: { ...data.payload, event: followUp } });
    }
    if (sent.length) await this.deps.webhooks.publishToAgentBot(bot.id, sent);
  }
}
