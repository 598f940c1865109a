import type { Sequelize } from 'sequelize';
import { Account } from './account.model.js';
import { AgentBot, AgentBotInbox } from './agent-bot.model.js';
import { AccessToken } from './access-token.model.js';
import { AccountUser } from './account-user.model.js';
import { Attachment } from './attachment.model.js';
import { AutomationRule } from './automation-rule.model.js';
import { CannedResponse } from './canned-response.model.js';
import { ChannelApi } from './channel-api.model.js';
import { ChannelEmail } from './channel-email.model.js';
import { Contact } from './contact.model.js';
import { ContactInbox } from './contact-inbox.model.js';
import { Conversation } from './conversation.model.js';
import { Inbox } from './inbox.model.js';
import { InboxMember } from './inbox-member.model.js';
import { Label } from './label.model.js';
import { Message } from './message.model.js';
import { Team, TeamMember } from './team.model.js';
import { User } from './user.model.js';
import { Webhook, WebhookDelivery } from './webhook.model.js';
import { CustomAttributeDefinition, CustomFilter, ReportingEvent } from './custom-attribute-definition.model.js';

export const coreModels = { Account, AgentBot, AgentBotInbox, AccessToken, AccountUser, Attachment, AutomationRule, CannedResponse, ChannelApi, ChannelEmail, Contact, ContactInbox, Conversation, Inbox, InboxMember, Label, Message, Team, TeamMember, User, Webhook, WebhookDelivery, CustomAttributeDefinition, CustomFilter, ReportingEvent };
export type CoreModels = typeof coreModels;

export function defineCoreModels(sequelize: Sequelize): CoreModels {
  for (const model of Object.values(coreModels)) model.initModel(sequelize);

  Account.hasMany(AccountUser, { foreignKey: 'account_id', as: 'account_users' });
  AccountUser.belongsTo(Account, { foreignKey: 'account_id', as: 'account' });
  AccountUser.belongsTo(User, { foreignKey: 'user_id', as: 'user' });
  User.hasMany(AccountUser, { foreignKey: 'user_id', as: 'account_users' });

  Inbox.belongsTo(ChannelEmail, { foreignKey: 'channel_id', constraints: false, as: 'channel' });
  InboxMember.belongsTo(User, { foreignKey: 'user_id', as: 'user' });
  InboxMember.belongsTo(Inbox, { foreignKey: 'inbox_id', as: 'inbox' });

  Contact.hasMany(ContactInbox, { foreignKey: 'contact_id', as: 'contact_inboxes' });
  ContactInbox.belongsTo(Contact, { foreignKey: 'contact_id', as: 'contact' });
  ContactInbox.belongsTo(Inbox, { foreignKey: 'inbox_id', as: 'inbox' });

  Conversation.belongsTo(Contact, { foreignKey: 'contact_id', as: 'contact' });
  Conversation.belongsTo(Inbox, { foreignKey: 'inbox_id', as: 'inbox' });
  Conversation.belongsTo(User, { foreignKey: 'assignee_id', as: 'assignee' });
  Conversation.belongsTo(Team, { foreignKey: 'team_id', as: 'team' });
  TeamMember.belongsTo(User, { foreignKey: 'user_id', as: 'user' });
  Conversation.hasMany(Message, { foreignKey: 'conversation_id', as: 'messages' });
  Message.belongsTo(Conversation, { foreignKey: 'conversation_id', as: 'conversation' });
  Message.hasMany(Attachment, { foreignKey: 'message_id', as: 'attachments' });
  Webhook.hasMany(WebhookDelivery, { foreignKey: 'webhook_id', as: 'deliveries' });
  WebhookDelivery.belongsTo(Webhook, { foreignKey: 'webhook_id', as: 'webhook' });
  AgentBotInbox.belongsTo(AgentBot, { foreignKey: 'agent_bot_id', as: 'agent_bot' });
  return coreModels;
}

export { Account, AgentBot, AgentBotInbox, AccessToken, AccountUser, Attachment, AutomationRule, CannedResponse, ChannelApi, ChannelEmail, Contact, ContactInbox, Conversation, Inbox, InboxMember, Label, Message, Team, TeamMember, User, Webhook, WebhookDelivery, CustomAttributeDefinition, CustomFilter, ReportingEvent };
