import path from 'node:path';
import { codeRoot } from './lib/paths.js';
import type { ExtensionContext } from './extensions/context.js';
import { createImapProvider } from './channels/email/providers/imap.provider.js';
import { googleProvider, microsoftProvider } from './channels/email/providers/oauth-placeholders.js';
import { inboxesRouter } from './api/v1/inboxes.js';
import { contactsRouter } from './api/v1/contacts.js';
import { conversationsRouter } from './api/v1/conversations.js';
import { messagesRouter } from './api/v1/messages.js';
import { agentsRouter } from './api/v1/agents.js';
import { inboxMembersRouter } from './api/v1/inbox-members.js';
import { platformRouter } from './api/platform/platform.js';
import type { CoreApi } from './runtime.js';
import { reopenSnoozedConversationsJob, reopenSnoozedSchedule } from './jobs/reopen-snoozed-conversations.job.js';

/**
 * The core's own built-ins, registered through the same calls an overlay uses: nothing in the core
 * reads a provider, route or job from anywhere but the registries.
 */
export function registerCore(ctx: ExtensionContext, api: CoreApi): void {
  ctx.register.migrations(path.join(codeRoot, 'migrations'));
  for (const provider of [createImapProvider(ctx.secrets), microsoftProvider, googleProvider]) ctx.register.emailProvider(provider);
  ctx.register.job(reopenSnoozedConversationsJob(ctx.events));
  ctx.register.schedule(reopenSnoozedSchedule);
  ctx.register.route({ id: 'core.inboxes', mount: 'account', router: inboxesRouter(api.inboxes) });
  ctx.register.route({ id: 'core.contacts', mount: 'account', router: contactsRouter(api.contacts) });
  ctx.register.route({ id: 'core.conversations', mount: 'account', router: conversationsRouter(api.conversations) });
  ctx.register.route({ id: 'core.messages', mount: 'account', router: messagesRouter(api.messages) });
  ctx.register.route({ id: 'core.agents', mount: 'account', router: agentsRouter(api.agents) });
  ctx.register.route({ id: 'core.inbox_members', mount: 'account', router: inboxMembersRouter(api.inboxMembers) });
  ctx.register.route({ id: 'core.platform', mount: 'platform', router: platformRouter(api.tokens) });
}
