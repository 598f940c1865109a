import type { Transaction } from 'sequelize';
import { AgentBotInbox } from '../models/index.js';

/**
 * Chatwoot's status for a new conversation, and for a resolved one a customer writes to again: pending
 * in an inbox with an agent bot (the bot's until it hands off by opening it), else open.
 */
export async function startingStatus(inboxId: number, transaction?: Transaction): Promise<'open' | 'pending'> {
  return (await AgentBotInbox.findOne({ where: { inbox_id: inboxId }, attributes: ['id'], transaction })) ? 'pending' : 'open';
}
