import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { SyncState } from '../metadata-sync.model.js';
import type { EventDraft, EventWriter, PageWrite, SyncTarget } from '../sync/types.js';

interface Row extends Omit<EventDraft, 'occurred_at'> {
  user_id: number;
  occurred_at: string;
}

/** One row per key of the unique index; a later draft fills what an earlier one of the page left empty. */
function rowsOf(target: SyncTarget, drafts: EventDraft[]): Row[] {
  const rows = new Map<string, Row>();
  for (const userId of target.subscribers) {
    for (const d of drafts) {
      const key = `${userId}\n${d.remote_id}\n${d.counterpart_email}`;
      const before = rows.get(key);
      rows.set(key, {
        ...d,
        user_id: userId,
        occurred_at: d.occurred_at.toISOString(),
        counterpart_name: d.counterpart_name ?? before?.counterpart_name ?? null,
        subject: d.subject ?? before?.subject ?? null,
        newsletter: d.newsletter || (before?.newsletter ?? false),
      });
    }
  }
  return [...rows.values()];
}

/**
 * Drafts × subscribers in one statement: the contacts of the batch are matched by lower(email) in the
 * same query, and a row already there is merged — a value the new draft lacks (a partial update
 * without subject or name) keeps the stored one, a newsletter stays one. Unchanged rows are not
 * rewritten.
 */
const UPSERT = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($rows::jsonb) AS x(
    user_id bigint, kind text, direction text, remote_id text, item_id text, occurred_at timestamptz,
    counterpart_email text, counterpart_name text, subject text, newsletter boolean)
), matched AS (
  SELECT DISTINCT ON (lower(c.email)) lower(c.email) AS email, c.id
  FROM contacts c
  WHERE c.account_id = $account AND lower(c.email) IN (SELECT counterpart_email FROM input)
  ORDER BY lower(c.email), c.id
)
INSERT INTO interaction_events AS e (account_id, user_id, contact_id, provider, source, mailbox, kind, direction, remote_id,
  item_id, occurred_at, counterpart_email, counterpart_name, subject, newsletter, created_at, updated_at)
SELECT $account, i.user_id, m.id, $provider, $source, $mailbox, i.kind, i.direction, i.remote_id,
  i.item_id, i.occurred_at, i.counterpart_email, i.counterpart_name, i.subject, i.newsletter, now(), now()
FROM input i LEFT JOIN matched m ON m.email = i.counterpart_email
ON CONFLICT (account_id, user_id, source, mailbox, remote_id, counterpart_email) DO UPDATE SET
  contact_id = COALESCE(EXCLUDED.contact_id, e.contact_id),
  kind = EXCLUDED.kind,
  direction = EXCLUDED.direction,
  item_id = COALESCE(EXCLUDED.item_id, e.item_id),
  occurred_at = EXCLUDED.occurred_at,
  counterpart_name = COALESCE(EXCLUDED.counterpart_name, e.counterpart_name),
  subject = COALESCE(EXCLUDED.subject, e.subject),
  newsletter = EXCLUDED.newsletter OR e.newsletter,
  updated_at = now()
WHERE (e.contact_id, e.kind, e.direction, e.item_id, e.occurred_at, e.counterpart_name, e.subject, e.newsletter)
  IS DISTINCT FROM (COALESCE(EXCLUDED.contact_id, e.contact_id), EXCLUDED.kind, EXCLUDED.direction, COALESCE(EXCLUDED.item_id, e.item_id),
    EXCLUDED.occurred_at, COALESCE(EXCLUDED.counterpart_name, e.counterpart_name), COALESCE(EXCLUDED.subject, e.subject), EXCLUDED.newsletter OR e.newsletter)
RETURNING 1`;

const STREAM = 'account_id = $account AND source = $source AND mailbox = $mailbox AND user_id = ANY($users::bigint[])';

/** The `EventWriter`: each page's events and its state's cursor move commit together or not at all. */
export class EventStore implements EventWriter {
  constructor(private readonly sequelize: Sequelize) {}

  async writePage(target: SyncTarget, state: SyncState, page: PageWrite, tx?: Transaction): Promise<{ written: number }> {
    const work = async (transaction: Transaction): Promise<{ written: number }> => {
      const bind = { account: target.accountId, source: target.eventSource, mailbox: target.mailbox, users: target.subscribers };
      if (page.removeItems?.length) {
        await this.sequelize.query(`DELETE FROM interaction_events WHERE ${STREAM} AND item_id = ANY($items::text[])`,
          { bind: { ...bind, items: page.removeItems }, transaction });
      }
      if (page.replaceItems?.length) {
        const kept = page.drafts.filter((d) => page.replaceItems!.includes(d.item_id));
        await this.sequelize.query(
          `DELETE FROM interaction_events WHERE ${STREAM} AND item_id = ANY($items::text[])
             AND (remote_id, counterpart_email) NOT IN (SELECT * FROM unnest($remote::text[], $counterpart::text[]))`,
          { bind: { ...bind, items: page.replaceItems, remote: kept.map((d) => d.remote_id), counterpart: kept.map((d) => d.counterpart_email) }, transaction },
        );
      }
      let written = 0;
      const rows = rowsOf(target, page.drafts);
      if (rows.length) {
        const result = await this.sequelize.query(UPSERT, {
          bind: { account: target.accountId, provider: target.provider, source: target.eventSource, mailbox: target.mailbox, rows: JSON.stringify(rows) },
          type: QueryTypes.SELECT, transaction,
        });
        written = result.length;
      }
      if (page.state) await state.update(page.state, { transaction });
      return { written };
    };
    return tx ? work(tx) : this.sequelize.transaction(work);
  }

  /**
   * Gives users who just subscribed to a shared stream the events its other subscribers already
   * have, without asking the provider again; returns how many rows were copied.
   */
  async copyToSubscribers(target: Pick<SyncTarget, 'accountId' | 'eventSource' | 'mailbox'>, userIds: number[]): Promise<number> {
    if (!userIds.length) return 0;
    const rows = await this.sequelize.query(
      `INSERT INTO interaction_events (account_id, user_id, contact_id, provider, source, mailbox, kind, direction, remote_id,
         item_id, occurred_at, counterpart_email, counterpart_name, subject, newsletter, created_at, updated_at)
       SELECT DISTINCT ON (u.id, e.remote_id, e.counterpart_email) e.account_id, u.id, e.contact_id, e.provider, e.source, e.mailbox, e.kind,
         e.direction, e.remote_id, e.item_id, e.occurred_at, e.counterpart_email, e.counterpart_name, e.subject, e.newsletter, now(), now()
       FROM interaction_events e CROSS JOIN unnest($users::bigint[]) AS u(id)
       WHERE e.account_id = $account AND e.source = $source AND e.mailbox = $mailbox AND e.user_id <> u.id
       ORDER BY u.id, e.remote_id, e.counterpart_email, e.id
       ON CONFLICT (account_id, user_id, source, mailbox, remote_id, counterpart_email) DO NOTHING
       RETURNING 1`,
      { bind: { account: target.accountId, source: target.eventSource, mailbox: target.mailbox, users: userIds }, type: QueryTypes.SELECT },
    );
    return rows.length;
  }

  /** Users that hold events of a stream (a shared mailbox's current subscribers, as far as its events know). */
  async holders(target: Pick<SyncTarget, 'accountId' | 'eventSource' | 'mailbox'>): Promise<number[]> {
    const rows = await this.sequelize.query<{ user_id: string }>(
      'SELECT DISTINCT user_id FROM interaction_events WHERE account_id = $account AND source = $source AND mailbox = $mailbox',
      { bind: { account: target.accountId, source: target.eventSource, mailbox: target.mailbox }, type: QueryTypes.SELECT },
    );
    return rows.map((r) => Number(r.user_id));
  }

  /** Deletes a stream's events of the given users (a subscriber who left a shared mailbox). */
  async deleteFor(target: Pick<SyncTarget, 'accountId' | 'eventSource' | 'mailbox'>, userIds: number[]): Promise<void> {
    if (!userIds.length) return;
    await this.sequelize.query(`DELETE FROM interaction_events WHERE ${STREAM}`,
      { bind: { account: target.accountId, source: target.eventSource, mailbox: target.mailbox, users: userIds } });
  }
}

/**
 * Addresses that are never counterparts, loaded once per run: the helpdesk account's users, its
 * inboxes' addresses, and the mailboxes its users connected (own and shared), all lower-case.
 */
export async function loadTeamEmails(sequelize: Sequelize, accountId: number): Promise<Set<string>> {
  const rows = await sequelize.query<{ email: string }>(
    `SELECT lower(u.email) AS email FROM users u JOIN account_users au ON au.user_id = u.id WHERE au.account_id = $account
     UNION SELECT lower(email) FROM channel_email WHERE account_id = $account
     UNION SELECT lower(email) FROM microsoft_accounts WHERE account_id = $account
     UNION SELECT lower(email) FROM google_accounts WHERE account_id = $account
     UNION SELECT lower(email) FROM metadata_shared_mailboxes WHERE account_id = $account`,
    { bind: { account: accountId }, type: QueryTypes.SELECT },
  );
  return new Set(rows.map((r) => r.email).filter(Boolean));
}
