import type { EmailCheckService } from './channels/email/checks/email-checks.service.js';
import type { EmailOAuth } from './channels/email/oauth/index.js';
import type { ChannelReauthorization } from './channels/email/reauthorization.js';
import type { EmailReceive } from './channels/email/receive/index.js';
import type { ReplyOutbox } from './channels/email/send/reply-outbox.js';
import type { Registries } from './extensions/registries.js';
import type { PasswordService } from './mailers/passwords.service.js';
import type { TransactionalMail } from './mailers/transactional-mail.js';
import type { RealtimeHub } from './realtime/realtime-hub.js';
import type { AccessTokenService } from './services/access-tokens.js';
import type { AgentService } from './services/agents.js';
import type { CannedResponseService } from './services/canned-responses.js';
import type { ContactService } from './services/contacts.js';
import type { ConversationService } from './services/conversations.js';
import type { InboxMemberService } from './services/inbox-members.js';
import type { LabelService } from './services/labels.js';
import type { TeamService } from './services/teams.js';
import type { InboxService } from './services/inboxes.js';
import type { MessageService } from './services/messages.js';
import type { NotificationService } from './services/notifications.js';
import type { ProfileService } from './services/profiles.js';

/** Core use-case services, shared by the core's routers and jobs. */
export interface CoreApi {
  tokens: AccessTokenService;
  profiles: ProfileService;
  inboxes: InboxService;
  contacts: ContactService;
  conversations: ConversationService;
  messages: MessageService;
  agents: AgentService;
  inboxMembers: InboxMemberService;
  labels: LabelService;
  teams: TeamService;
  cannedResponses: CannedResponseService;
  replies: ReplyOutbox;
  mail: TransactionalMail;
  passwords: PasswordService;
  emailOAuth: EmailOAuth;
  realtime: RealtimeHub;
  notifications: NotificationService;
  emailReceive: EmailReceive;
  reauthorization: ChannelReauthorization;
  emailChecks: EmailCheckService;
  /** Every registered email provider (read after boot, e.g. to tell the dashboard which ones exist). */
  emailProviders: Pick<Registries['emailProviders'], 'list'>;
}
