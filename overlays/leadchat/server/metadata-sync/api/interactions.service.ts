import { QueryTypes, type Sequelize } from 'sequelize';
import { NotFoundError, type AccountScope, type ExtensionContext } from '../../../../../server/src/extensions/index.js';

export interface ContactInteractions {
  summary: { total: number; emails: number; meetings: number; last_interaction_at: string | null };
  team: { user_id: number; name: string; email: string; count: number; last_interaction_at: string }[];
  events: {
    id: number; kind: 'email' | 'meeting'; direction: 'inbound' | 'outbound'; occurred_at: string; subject: string | null;
    provider: string; mailbox: string; shared: boolean; newsletter: boolean; user: { id: number; name: string };
  }[];
}

const RECENT = 20;

/** The events about a contact: linked to it, or with its address as counterpart (case-insensitive), in the account. */
const MATCHING = `FROM interaction_events e
  WHERE e.account_id = :accountId AND (e.contact_id = :contactId OR (:email::text IS NOT NULL AND lower(e.counterpart_email) = lower(:email)))`;

/**
 * A contact's interactions with the team, from the metadata sync's events: a summary and who knows
 * the contact (newsletters left out of both), and the 20 most recent events (newsletters flagged).
 * An event is `shared` when it was read from a mailbox other than its user's own connected one.
 */
export async function contactInteractions(ctx: Pick<ExtensionContext, 'models'> & { sequelize: Sequelize }, scope: AccountScope, contactId: number): Promise<ContactInteractions> {
  const contact = await ctx.models.Contact.findOne({ where: { id: contactId, account_id: scope.account.id } });
  if (!contact) throw new NotFoundError('Contact');
  const replacements = { accountId: scope.account.id, contactId, email: contact.email ?? null, limit: RECENT };
  const select = <T extends object>(sql: string) => ctx.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });

  const [summary] = await select<{ total: number; emails: number; meetings: number; last: Date | null }>(`
    SELECT count(*)::int AS total, count(*) FILTER (WHERE e.kind = 'email')::int AS emails,
           count(*) FILTER (WHERE e.kind = 'meeting')::int AS meetings, max(e.occurred_at) AS last
    ${MATCHING} AND NOT e.newsletter`);
  const team = await select<{ user_id: number; name: string; email: string; count: number; last: Date }>(`
    SELECT e.user_id, u.name, u.email, count(*)::int AS count, max(e.occurred_at) AS last
    ${MATCHING.replace('FROM interaction_events e', 'FROM interaction_events e JOIN users u ON u.id = e.user_id')} AND NOT e.newsletter
    GROUP BY e.user_id, u.name, u.email ORDER BY count DESC, last DESC`);
  const events = await select<{ id: number; kind: 'email' | 'meeting'; direction: 'inbound' | 'outbound'; occurred_at: Date; subject: string | null; provider: string; mailbox: string; shared: boolean; newsletter: boolean; user_id: number; user_name: string }>(`
    SELECT e.id, e.kind, e.direction, e.occurred_at, e.subject, e.provider, e.mailbox, e.newsletter, e.user_id, u.name AS user_name,
           lower(e.mailbox) IS DISTINCT FROM lower(coalesce(
             CASE e.provider WHEN 'microsoft' THEN ma.email ELSE ga.email END, e.mailbox)) AS shared
    ${MATCHING.replace('FROM interaction_events e', `FROM interaction_events e JOIN users u ON u.id = e.user_id
      LEFT JOIN microsoft_accounts ma ON ma.account_id = e.account_id AND ma.user_id = e.user_id
      LEFT JOIN google_accounts ga ON ga.account_id = e.account_id AND ga.user_id = e.user_id`)}
    ORDER BY e.occurred_at DESC, e.id DESC LIMIT :limit`);

  return {
    summary: { total: summary?.total ?? 0, emails: summary?.emails ?? 0, meetings: summary?.meetings ?? 0, last_interaction_at: iso(summary?.last ?? null) },
    team: team.map((t) => ({ user_id: Number(t.user_id), name: t.name, email: t.email, count: t.count, last_interaction_at: iso(t.last)! })),
    events: events.map((e) => ({
      id: Number(e.id), kind: e.kind, direction: e.direction, occurred_at: iso(e.occurred_at)!, subject: e.subject, provider: e.provider,
      mailbox: e.mailbox, shared: e.shared, newsletter: e.newsletter, user: { id: Number(e.user_id), name: e.user_name },
    })),
  };
}

const iso = (d: Date | string | null): string | null => (d ? new Date(d).toISOString() : null);
