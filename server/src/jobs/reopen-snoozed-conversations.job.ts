import { Op } from 'sequelize';
import type { EventBus } from '../extensions/events.js';
import type { JobDefinition, ScheduleDefinition } from '../extensions/types.js';
import { Conversation } from '../models/index.js';

export const REOPEN_SNOOZED_JOB = 'conversations.reopen_snoozed';

/** Snoozed conversations whose time has come go back to open (Chatwoot's ReopenSnoozedConversationsJob). */
export function reopenSnoozedConversationsJob(events: EventBus): JobDefinition<Record<string, never>> {
  return {
    id: REOPEN_SNOOZED_JOB,
    defaults: { attempts: 3, removeOnComplete: 100 },
    async process() {
      const due = await Conversation.findAll({ where: { status: 'snoozed', snoozed_until: { [Op.lte]: new Date() } }, limit: 1_000 });
      for (const conversation of due) {
        await conversation.update({ status: 'open', snoozed_until: null });
        await events.emit('conversation.updated', { accountId: conversation.account_id, inboxId: conversation.inbox_id, conversationId: conversation.id, changes: ['status'], cause: 'snooze_ended' });
      }
      return { reopened: due.length };
    },
  };
}

export const reopenSnoozedSchedule: ScheduleDefinition = { id: 'conversations.reopen_snoozed.every_minute', job: REOPEN_SNOOZED_JOB, every: 60_000 };
