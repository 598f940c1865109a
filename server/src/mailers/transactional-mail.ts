import type { Job } from 'bull';
import { Op, type Sequelize } from 'sequelize';
import type { Config } from '../config.js';
import type { JobDefinition } from '../extensions/types.js';
import type { JobQueues } from '../jobs/queues.js';
import { DeliveryError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { Account, AccountUser, Attachment, Contact, Conversation, Message, Team, TeamMember, User } from '../models/index.js';
import { buildLeadmailPayload, type LeadmailEmail } from '../channels/email/send/leadmail-payload.js';
import { postLeadmailMessage } from '../channels/email/send/leadmail.client.js';
import { leadmailSettings } from '../channels/email/send/leadmail.delivery.js';
import { existingUserInvitationEmail, invitationEmail } from './invitation.mailer.js';
import { passwordResetEmail } from './password-reset.mailer.js';
import { transcriptEmail } from './transcript.mailer.js';
import { notificationEmail } from './notification.mailer.js';
import { automationTeamEmail } from './automation-team.mailer.js';
import { Notification } from '../services/notifications.service.js';
import { serializeNotification } from '../serializers/notification.serializer.js';
import { PasswordTokens } from './password-tokens.js';

export const MAILER_JOB = 'mailer.deliver';

/**
 * What a transactional email job carries: ids and addresses only. Links with tokens are made when the
 * job runs, so no working token ever sits in Redis.
 */
export type MailerJobData =
  | { kind: 'agent_invitation'; userId: number; accountId: number; inviterId: number }
  | { kind: 'password_reset'; email: string }
  | { kind: 'conversation_transcript'; conversationId: number; email: string }
  | { kind: 'notification'; notificationId: number }
  | { kind: 'automation_team_email'; conversationId: number; teamId: number; message: string };

export interface TransactionalMailDeps {
  config: Pick<Config, 'FRONTEND_URL' | 'MAILER_SENDER_EMAIL' | 'LEADMAIL_BASE_URL' | 'LEADMAIL_API_KEY'>;
  sequelize: Sequelize;
  queues: JobQueues;
  logger: Logger;
}

/**
 * The application's own emails (agent invitation, password reset, conversation transcript), sent from
 * MAILER_SENDER_EMAIL through LeadMail by a job with retries. Without LeadMail configured they are
 * skipped with a warning: a development install still works.
 */
export class TransactionalMail {
  readonly tokens: PasswordTokens;

  constructor(private readonly deps: TransactionalMailDeps) {
    this.tokens = new PasswordTokens(deps.sequelize);
  }

  async enqueue(data: MailerJobData): Promise<void> {
    await this.deps.queues.enqueue(MAILER_JOB, data);
  }

  job(): JobDefinition<MailerJobData> {
    return {
      id: MAILER_JOB,
      concurrency: 2,
      defaults: { attempts: 5, backoff: { type: 'exponential', delay: 10_000 } },
      process: (data, job) => this.deliver(data, job),
    };
  }

  /**
   * Composes the email for a job and sends it; a permanent refusal is not retried. An invitation's
   * outcome is kept on the membership, for the agents page to show.
   */
  async deliver(data: MailerJobData, job?: Job<MailerJobData>): Promise<{ id?: string; skipped?: string }> {
    const email = await this.compose(data);
    if (!email) return { skipped: 'nothing to send' };
    try {
      const result = await this.send(email);
      if (data.kind === 'agent_invitation') {
        await this.recordInvitation(data, result.skipped ? { invitation_status: 'failed', invitation_error: 'Email sending is not configured on this server (LEADMAIL_BASE_URL, LEADMAIL_API_KEY)' } : { invitation_status: 'sent', invitation_error: null, invitation_sent_at: new Date() });
      }
      return result;
    } catch (err) {
      const final = !(err instanceof DeliveryError && err.kind === 'transient') || !job || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (final) job?.discard();
      if (data.kind === 'agent_invitation') await this.recordInvitation(data, { invitation_status: final ? 'failed' : 'pending', invitation_error: (err as Error).message });
      this.deps.logger.warn({ kind: data.kind, err: { message: (err as Error).message } }, 'transactional email not delivered');
      throw err;
    }
  }

  private async recordInvitation(data: { userId: number; accountId: number }, outcome: Partial<Pick<AccountUser, 'invitation_status' | 'invitation_error' | 'invitation_sent_at'>>): Promise<void> {
    await AccountUser.update(outcome, { where: { user_id: data.userId, account_id: data.accountId } });
  }

  /** Sends one email through LeadMail as is; returns LeadMail's id. */
  async send(email: LeadmailEmail): Promise<{ id?: string; skipped?: string }> {
    const settings = leadmailSettings(this.deps.config);
    if (!settings) {
      this.deps.logger.warn({ subject: email.subject }, 'LeadMail is not configured (LEADMAIL_BASE_URL, LEADMAIL_API_KEY): transactional email skipped');
      return { skipped: 'leadmail not configured' };
    }
    return postLeadmailMessage(settings, buildLeadmailPayload(email));
  }

  private get frontendUrl(): string {
    return this.deps.config.FRONTEND_URL.replace(/\/$/, '');
  }

  private link(token: string): string {
    return `${this.frontendUrl}/auth/password/edit?reset_password_token=${encodeURIComponent(token)}`;
  }

  /** Null when there is nothing to send any more (the user or conversation is gone, the email unknown). */
  private async compose(data: MailerJobData): Promise<LeadmailEmail | null> {
    const sender = this.deps.config.MAILER_SENDER_EMAIL;
    switch (data.kind) {
      case 'agent_invitation': {
        const [user, account, inviter, membership] = await Promise.all([
          User.findByPk(data.userId),
          Account.findByPk(data.accountId),
          User.findByPk(data.inviterId),
          AccountUser.findOne({ where: { user_id: data.userId, account_id: data.accountId } }),
        ]);
        if (!user || !account || !membership) return null;
        const invitation = { sender, to: user.email, inviteeName: user.name, inviterName: inviter?.availableName ?? 'An administrator', accountName: account.name };
        // Someone with a password already signs in and accepts from their profile.
        if (user.password_digest) return membership.invitation_pending ? existingUserInvitationEmail({ ...invitation, link: `${this.frontendUrl}/profile` }) : null;
        return invitationEmail({ ...invitation, link: this.link(await this.tokens.issue(user.id, 'invitation')) });
      }
      case 'password_reset': {
        const user = await User.findOne({ where: { email: data.email.trim().toLowerCase() } });
        if (!user) return null;
        const link = this.link(await this.tokens.issue(user.id, 'password_reset'));
        return passwordResetEmail({ sender, to: user.email, name: user.availableName, link });
      }
      case 'conversation_transcript': {
        const conversation = await Conversation.findByPk(data.conversationId, { include: [{ model: Contact, as: 'contact' }] });
        if (!conversation) return null;
        const messages = await Message.findAll({
          where: { conversation_id: conversation.id, private: false, message_type: { [Op.in]: ['incoming', 'outgoing'] } },
          include: [{ model: Attachment, as: 'attachments' }],
          order: [['created_at', 'ASC'], ['id', 'ASC']],
        });
        const agentIds = [...new Set(messages.filter((m) => m.sender_type === 'User' && m.sender_id).map((m) => m.sender_id!))];
        const agents = new Map((agentIds.length ? await User.findAll({ where: { id: { [Op.in]: agentIds } } }) : []).map((u) => [u.id, u.availableName]));
        const contactName = conversation.contact?.name || conversation.contact?.email || 'Customer';
        const lines = messages.map((m) => ({
          sender: m.message_type === 'incoming' ? contactName : (agents.get(m.sender_id!) ?? 'Agent'),
          at: m.created_at,
          content: m.content ?? '',
          attachments: (m.attachments ?? []).map((a) => a.filename),
        }));
        return transcriptEmail({ sender, to: data.email, displayId: conversation.display_id, lines });
      }
      case 'automation_team_email': {
        const [conversation, team] = await Promise.all([Conversation.findByPk(data.conversationId), Team.findByPk(data.teamId)]);
        if (!conversation || !team || team.account_id !== conversation.account_id) return null;
        const members = await TeamMember.findAll({ where: { team_id: team.id }, attributes: ['user_id'] });
        const to = members.length ? (await User.findAll({ where: { id: { [Op.in]: members.map((m) => m.user_id) } }, attributes: ['email'], order: [['id', 'ASC']] })).map((u) => u.email) : [];
        if (!to.length) return null;
        const link = `${this.frontendUrl}/app/accounts/${conversation.account_id}/conversations/${conversation.display_id}`;
        const subject = (conversation.additional_attributes as { mail_subject?: string } | null)?.mail_subject ?? null;
        return automationTeamEmail({ sender, to, teamName: team.name, displayId: conversation.display_id, subject, message: data.message, link });
      }
      case 'notification': {
        const notification = await Notification.findByPk(data.notificationId);
        const user = notification ? await User.findByPk(notification.user_id) : null;
        if (!notification || !user) return null;
        const payload = notification.payload as { conversation_id?: number; excerpt?: string };
        const link = `${this.frontendUrl}/app/accounts/${notification.account_id}/conversations/${payload.conversation_id ?? ''}`;
        return notificationEmail({ sender, to: user.email, name: user.availableName, title: serializeNotification(notification).push_message_title, excerpt: payload.excerpt ?? null, link });
      }
    }
  }
}
