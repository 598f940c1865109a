import type { QueryInterface } from 'sequelize';

/**
 * The assignee-tab counts of a list filtered by team and/or one label, from counters instead of a
 * count over the account's conversations (which costs a scan of every matching conversation per list
 * request on a busy account).
 *
 * - `conversation_counts` gains `team_id` in its key (0 for "no team"), so a team filter sums counters.
 * - `conversation_label_counts`: the same counters per label, one row per (label, account, status,
 *   inbox, assignee, team); a conversation with three labels counts once under each. A filter on one
 *   label sums that label's rows; a filter on several labels (which must all match) still counts the
 *   conversations themselves.
 *
 * One statement-level trigger function keeps both in the writing transaction, aggregating each
 * statement's rows per key and upserting in key order as before, so concurrent writers lock counter
 * rows in the same order.
 */
const KEY = 'account_id, status, inbox_id, assignee_id, team_id';
const LABEL_KEY = `label, ${KEY}`;
const keyOf = (rows: string, n: string) =>
  `SELECT account_id, status, inbox_id, coalesce(assignee_id, 0) AS assignee_id, coalesce(team_id, 0) AS team_id, ${n} AS n FROM ${rows}`;
const labelKeyOf = (rows: string, n: string) =>
  `SELECT l.label, account_id, status, inbox_id, coalesce(assignee_id, 0) AS assignee_id, coalesce(team_id, 0) AS team_id, ${n} AS n
     FROM ${rows} r CROSS JOIN LATERAL (SELECT DISTINCT unnest(r.label_list) AS label) l`;

/** Adds each key's net change (old rows -1, new rows +1) to `table`; keys whose change nets to 0 are not touched. */
const applyChanges = (table: string, key: string, changes: string) => `
  INSERT INTO ${table} AS cc (${key}, count)
    SELECT ${key}, sum(n) FROM (${changes}) d GROUP BY ${key} HAVING sum(n) <> 0 ORDER BY ${key}
    ON CONFLICT (${key}) DO UPDATE SET count = cc.count + EXCLUDED.count;`;

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const q = (sql: string) => qi.sequelize.query(sql);

  await q('ALTER TABLE conversation_counts ADD COLUMN team_id bigint NOT NULL DEFAULT 0');
  await q('ALTER TABLE conversation_counts DROP CONSTRAINT conversation_counts_pkey');
  await q(`ALTER TABLE conversation_counts ADD PRIMARY KEY (${KEY})`);
  await q(`CREATE TABLE conversation_label_counts (
    label varchar(255) NOT NULL,
    account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status varchar(255) NOT NULL,
    inbox_id bigint NOT NULL,
    assignee_id bigint NOT NULL,
    team_id bigint NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (account_id, label, status, inbox_id, assignee_id, team_id)
  )`);

  await q(`CREATE OR REPLACE FUNCTION conversation_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        ${applyChanges('conversation_counts', KEY, keyOf('new_rows', '1'))}
        ${applyChanges('conversation_label_counts', LABEL_KEY, labelKeyOf('new_rows', '1'))}
      ELSIF TG_OP = 'DELETE' THEN
        ${applyChanges('conversation_counts', KEY, keyOf('old_rows', '-1'))}
        ${applyChanges('conversation_label_counts', LABEL_KEY, labelKeyOf('old_rows', '-1'))}
      ELSE
        ${applyChanges('conversation_counts', KEY, `${keyOf('old_rows', '-1')} UNION ALL ${keyOf('new_rows', '1')}`)}
        ${applyChanges('conversation_label_counts', LABEL_KEY, `${labelKeyOf('old_rows', '-1')} UNION ALL ${labelKeyOf('new_rows', '1')}`)}
      END IF;
      RETURN NULL;
    END $$`);
  await q(`CREATE OR REPLACE FUNCTION conversation_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN DELETE FROM conversation_counts; DELETE FROM conversation_label_counts; RETURN NULL; END $$`);

  await q('DELETE FROM conversation_counts');
  await q(`INSERT INTO conversation_counts (${KEY}, count) SELECT ${KEY}, sum(n) FROM (${keyOf('conversations', '1')}) d GROUP BY ${KEY}`);
  await q(`INSERT INTO conversation_label_counts (${LABEL_KEY}, count) SELECT ${LABEL_KEY}, sum(n) FROM (${labelKeyOf('conversations', '1')}) d GROUP BY ${LABEL_KEY}`);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  const q = (sql: string) => qi.sequelize.query(sql);
  const key = 'account_id, status, inbox_id, assignee_id';
  const keyWithoutTeam = (rows: string, n: string) => `SELECT account_id, status, inbox_id, coalesce(assignee_id, 0) AS assignee_id, ${n} AS n FROM ${rows}`;
  await q(`CREATE OR REPLACE FUNCTION conversation_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        ${applyChanges('conversation_counts', key, keyWithoutTeam('new_rows', '1'))}
      ELSIF TG_OP = 'DELETE' THEN
        ${applyChanges('conversation_counts', key, keyWithoutTeam('old_rows', '-1'))}
      ELSE
        ${applyChanges('conversation_counts', key, `${keyWithoutTeam('old_rows', '-1')} UNION ALL ${keyWithoutTeam('new_rows', '1')}`)}
      END IF;
      RETURN NULL;
    END $$`);
  await q(`CREATE OR REPLACE FUNCTION conversation_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN DELETE FROM conversation_counts; RETURN NULL; END $$`);
  await q('DROP TABLE conversation_label_counts');
  await q('DELETE FROM conversation_counts');
  await q('ALTER TABLE conversation_counts DROP CONSTRAINT conversation_counts_pkey');
  await q('ALTER TABLE conversation_counts DROP COLUMN team_id');
  await q(`ALTER TABLE conversation_counts ADD PRIMARY KEY (${key})`);
  await q(`INSERT INTO conversation_counts (${key}, count) SELECT ${key}, sum(n) FROM (${keyWithoutTeam('conversations', '1')}) d GROUP BY ${key}`);
}
