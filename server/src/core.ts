import path from 'node:path';
import { codeRoot } from './lib/paths.js';
import type { ExtensionContext } from './extensions/context.js';
import { createImapProvider } from './channels/email/providers/imap.provider.js';
import { createMicrosoftProvider } from './channels/email/providers/microsoft.provider.js';
import { createGoogleProvider } from './channels/email/providers/google.provider.js';
import { authorizationRouter, callbackRouter } from './channels/email/oauth/oauth.router.js';
import { eventsRouter } from './realtime/events.router.js';
import { inboxesRouter } from './api/v1/inboxes.router.js';
import { emailChecksRouter } from './api/v1/email-checks.router.js';
import { contactsRouter } from './api/v1/contacts.router.js';
import { conversationsRouter } from './api/v1/conversations.router.js';
import { messagesRouter } from './api/v1/messages.router.js';
import { agentsRouter } from './api/v1/agents.router.js';
import { inboxMembersRouter } from './api/v1/inbox-members.router.js';
import { labelsRouter } from './api/v1/labels.router.js';
import { teamsRouter } from './api/v1/teams.router.js';
import { webhooksRouter } from './api/v1/webhooks.router.js';
import { automationRulesRouter } from './api/v1/automation-rules.router.js';
import { accountRouter, contactOperationsRouter, conversationOperationsRouter, customAttributesRouter, customFiltersRouter, reportsRouter } from './api/v1/chatwoot-operations.router.js';
import { cannedResponsesRouter } from './api/v1/canned-responses.router.js';
import { platformRouter } from './api/platform/platform.router.js';
import { platformAgentBotsRouter } from './api/platform/agent-bots.router.js';
import { agentBotsRouter } from './api/v1/agent-bots.router.js';
import { passwordRouter } from './api/auth/sessions.router.js';
import { smtpDelivery } from './channels/email/send/smtp.delivery.js';
import { createLeadmailDelivery, leadmailSettings } from './channels/email/send/leadmail.delivery.js';
import type { CoreApi } from './core-api.js';
import { registerEmailReceive } from './channels/email/receive/index.js';
import { notificationsRouter } from './api/v1/notifications.router.js';
import { emailProvidersRouter } from './api/v1/email-providers.router.js';
import { reopenSnoozedConversationsJob, reopenSnoozedSchedule } from './jobs/reopen-snoozed-conversations.job.js';
import { createApiChannelKind } from './channels/api/api-channel.js';
import { ApiWebhookDelivery } from './channels/api/api-webhook.delivery.js';
import { PublicInboxService } from './channels/api/public-inbox.service.js';
import { clientApiRouter } from './api/public/client-api.router.js';
import { WebhookAddressGuard } from './webhooks/address-guard.js';

/**
 * The core's own built-ins, registered through the same calls an overlay uses: nothing in the core
 * reads a provider, route or job from anywhere but the registries.
 */
export function registerCore(ctx: ExtensionContext, api: CoreApi): void {
  ctx.register.migrations(path.join(codeRoot, 'migrations'));
  const oauth = api.emailOAuth;
  for (const provider of [createImapProvider(ctx.secrets), createMicrosoftProvider(ctx.config, oauth.tokens), createGoogleProvider(ctx.config, oauth.tokens)]) ctx.register.emailProvider(provider);
  ctx.register.job(reopenSnoozedConversationsJob(ctx.events));
  for (const delivery of [smtpDelivery, createLeadmailDelivery(leadmailSettings(ctx.config))]) ctx.register.deliveryMethod(delivery);
  ctx.register.job(api.replies.job());
  // The API channel: replies and inbox events leave as webhooks, through the account webhooks' sender and address guard.
  const guard = new WebhookAddressGuard(ctx.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS);
  const apiWebhooks = new ApiWebhookDelivery({
    secrets: ctx.secrets, guard, queues: ctx.queues, events: ctx.events, conversations: api.conversations,
    logger: ctx.logger.child({ component: 'api_channel.webhook' }), retryBaseMs: ctx.config.WEBHOOK_RETRY_BASE_MS,
    redis: ctx.redis, prefix: ctx.config.REDIS_PREFIX,
  });
  ctx.register.channelKind(createApiChannelKind({ secrets: ctx.secrets, guard, deliverReply: (message) => apiWebhooks.submit(message), changed: () => apiWebhooks.forget() }));
  ctx.register.job(apiWebhooks.replyJob());
  ctx.register.job(apiWebhooks.eventJob());
  apiWebhooks.subscribe(ctx.events);
  ctx.register.route({ id: 'core.client_api', mount: 'public', router: clientApiRouter(new PublicInboxService({ sequelize: ctx.sequelize, events: ctx.events })) });
  ctx.register.job(api.mail.job());
  ctx.register.route({ id: 'core.passwords', mount: 'public', router: passwordRouter(api.passwords) });
  ctx.register.schedule(reopenSnoozedSchedule);
  ctx.register.route({ id: 'core.inboxes', mount: 'account', router: inboxesRouter(api.inboxes) });
  ctx.register.route({ id: 'core.email_checks', mount: 'account', router: emailChecksRouter(api.emailChecks) });
  ctx.register.route({ id: 'core.contacts', mount: 'account', router: contactsRouter(api.contacts) });
  ctx.register.route({ id: 'core.conversations', mount: 'account', router: conversationsRouter(api.conversations, api.teams) });
  ctx.register.route({ id: 'core.messages', mount: 'account', router: messagesRouter(api.messages) });
  ctx.register.route({ id: 'core.agents', mount: 'account', router: agentsRouter(api.agents) });
  ctx.register.route({ id: 'core.inbox_members', mount: 'account', router: inboxMembersRouter(api.inboxMembers) });
  ctx.register.route({ id: 'core.labels', mount: 'account', router: labelsRouter(api.labels) });
  ctx.register.route({ id: 'core.teams', mount: 'account', router: teamsRouter(api.teams) });
  ctx.register.route({ id: 'core.canned_responses', mount: 'account', router: cannedResponsesRouter(api.cannedResponses) });
  ctx.register.route({ id: 'core.platform', mount: 'platform', router: platformRouter(api.tokens, api.sso) });
  ctx.register.route({ id: 'core.notifications', mount: 'account', router: notificationsRouter(api.notifications) });
  ctx.register.route({ id: 'core.email_providers', mount: 'account', router: emailProvidersRouter(() => api.emailProviders.list()) });
  registerEmailReceive(ctx, api.emailReceive);
  ctx.register.route({ id: 'core.email_oauth.authorization', mount: 'account', router: authorizationRouter(oauth.flow, oauth.mailboxes) });
  ctx.register.route({ id: 'core.email_oauth.callbacks', mount: 'public', router: callbackRouter(oauth.flow, oauth.mailboxes) });
  ctx.register.route({ id: 'core.realtime', mount: 'account', router: eventsRouter(api.realtime) });
  ctx.register.job(api.webhooks.job());
  ctx.register.route({ id: 'core.webhooks', mount: 'account', router: webhooksRouter(api.webhooks) });
  ctx.register.route({ id: 'core.agent_bots', mount: 'account', router: agentBotsRouter(api.agentBots) });
  ctx.register.route({ id: 'core.platform_agent_bots', mount: 'platform', router: platformAgentBotsRouter(api.agentBots) });
  ctx.register.job(api.automation.job());
  ctx.register.route({ id: 'core.automation_rules', mount: 'account', router: automationRulesRouter(api.automationRules) });
  ctx.register.route({ id: 'core.conversation_operations', mount: 'account', router: conversationOperationsRouter(api.conversations, api.conversationActions) });
  ctx.register.route({ id: 'core.contact_operations', mount: 'account', router: contactOperationsRouter(api.contacts, api.contactActions) });
  ctx.register.route({ id: 'core.custom_attributes', mount: 'account', router: customAttributesRouter(api.customAttributes) });
  ctx.register.route({ id: 'core.custom_filters', mount: 'account', router: customFiltersRouter(api.customFilters) });
  ctx.register.route({ id: 'core.account', mount: 'account', router: accountRouter() });
  ctx.register.route({ id: 'core.reports', mount: 'account_v2', router: reportsRouter(api.reports) });
}
