import type { QueryInterface } from 'sequelize';

/**
 * Lists, counts and search that stay fast with 100,000s of conversations.
 *
 * - `conversation_counts`: how many conversations each (account, inbox, status, assignee) has, kept by
 *   statement-level triggers in the writing transaction, so the assignee-tab counts of every list
 *   request read a few dozen rows instead of aggregating the account's conversations. Assignee 0 is
 *   "unassigned" (a key column cannot be NULL). The triggers aggregate each statement's rows and
 *   upsert them in key order, so a bulk insert costs one upsert per key and concurrent writers lock
 *   counter rows in the same order.
 * - Indexes in the list order (last activity, then id) for each status and for all statuses, so a
 *   page (by cursor or by `page`) is an index range; deep `page` offsets skip index entries only.
 * - `conversations.search_vector`: one tsvector per conversation over its email subject (weight A),
 *   its contact's name and email (B) and the text of its incoming and outgoing messages (D; HTML-only
 *   emails' text is rendered into `content` at ingestion). Triggers keep it current: new messages are
 *   appended per statement; changed message text, subject or contact recompute it. Very long threads
 *   stop growing it near Postgres's 1 MB tsvector limit rather than failing the write.
 */
const MESSAGE_TEXT = `left(coalesce(content, ''), 100000)`;

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const q = (sql: string) => qi.sequelize.query(sql);

  await q(`CREATE TABLE conversation_counts (
    account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    inbox_id bigint NOT NULL,
    status varchar(255) NOT NULL,
    assignee_id bigint NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (account_id, status, inbox_id, assignee_id)
  )`);
  await q(`CREATE FUNCTION conversation_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO conversation_counts AS cc (account_id, status, inbox_id, assignee_id, count)
          SELECT account_id, status, inbox_id, coalesce(assignee_id, 0), count(*) FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
          ON CONFLICT (account_id, status, inbox_id, assignee_id) DO UPDATE SET count = cc.count + EXCLUDED.count;
      ELSIF TG_OP = 'DELETE' THEN
        UPDATE conversation_counts cc SET count = cc.count - d.n
          FROM (SELECT account_id, status, inbox_id, coalesce(assignee_id, 0) AS assignee_id, count(*) AS n FROM old_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4) d
         WHERE cc.account_id = d.account_id AND cc.status = d.status AND cc.inbox_id = d.inbox_id AND cc.assignee_id = d.assignee_id;
      ELSE
        INSERT INTO conversation_counts AS cc (account_id, status, inbox_id, assignee_id, count)
          SELECT account_id, status, inbox_id, assignee_id, sum(n) FROM (
            SELECT account_id, status, inbox_id, coalesce(assignee_id, 0) AS assignee_id, -1 AS n FROM old_rows
            UNION ALL
            SELECT account_id, status, inbox_id, coalesce(assignee_id, 0), 1 FROM new_rows
          ) d GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4
          ON CONFLICT (account_id, status, inbox_id, assignee_id) DO UPDATE SET count = cc.count + EXCLUDED.count;
      END IF;
      RETURN NULL;
    END $$`);
  await q(`CREATE TRIGGER conversation_counts_insert AFTER INSERT ON conversations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION conversation_counts_apply()`);
  await q(`CREATE TRIGGER conversation_counts_update AFTER UPDATE ON conversations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION conversation_counts_apply()`);
  await q(`CREATE TRIGGER conversation_counts_delete AFTER DELETE ON conversations REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION conversation_counts_apply()`);
  await q(`CREATE FUNCTION conversation_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN DELETE FROM conversation_counts; RETURN NULL; END $$`);
  await q(`CREATE TRIGGER conversation_counts_truncate AFTER TRUNCATE ON conversations FOR EACH STATEMENT EXECUTE FUNCTION conversation_counts_truncate()`);
  await q(`INSERT INTO conversation_counts (account_id, status, inbox_id, assignee_id, count)
    SELECT account_id, status, inbox_id, coalesce(assignee_id, 0), count(*) FROM conversations GROUP BY 1, 2, 3, 4`);

  await q('CREATE INDEX conversations_account_status_activity ON conversations (account_id, status, last_activity_at, id)');
  await q('CREATE INDEX conversations_account_activity ON conversations (account_id, last_activity_at, id)');
  await q('CREATE INDEX conversations_account_status_assignee_activity ON conversations (account_id, status, assignee_id, last_activity_at, id)');
  await q('DROP INDEX IF EXISTS conversations_account_id_status_last_activity_at');
  await q('CREATE INDEX contacts_account_activity ON contacts (account_id, last_activity_at DESC NULLS LAST, created_at DESC, id DESC)');

  await q('ALTER TABLE conversations ADD COLUMN search_vector tsvector');
  await q(`CREATE FUNCTION conversation_search_vector(conversation_id bigint, subject text, contact_id bigint) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('simple', coalesce(subject, '')), 'A')
        || setweight(to_tsvector('simple', coalesce((SELECT ct.name || ' ' || coalesce(ct.email, '') FROM contacts ct WHERE ct.id = contact_id), '')), 'B')
        || to_tsvector('simple', coalesce((SELECT left(string_agg(${MESSAGE_TEXT}, ' ' ORDER BY m.id), 300000) FROM messages m
                                            WHERE m.conversation_id = conversation_search_vector.conversation_id AND m.message_type IN ('incoming', 'outgoing')), ''))
  $$`);
  await q(`CREATE FUNCTION conversations_search_vector_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' OR NEW.additional_attributes->>'mail_subject' IS DISTINCT FROM OLD.additional_attributes->>'mail_subject'
         OR NEW.contact_id IS DISTINCT FROM OLD.contact_id OR NEW.search_vector IS NULL THEN
        NEW.search_vector := conversation_search_vector(NEW.id, NEW.additional_attributes->>'mail_subject', NEW.contact_id);
      END IF;
      RETURN NEW;
    END $$`);
  await q(`CREATE TRIGGER conversations_search_vector BEFORE INSERT OR UPDATE ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversations_search_vector_row()`);
  await q(`CREATE FUNCTION messages_search_vector_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE conversations c
         SET search_vector = CASE WHEN pg_column_size(c.search_vector) > 400000 THEN c.search_vector ELSE c.search_vector || v.text END
        FROM (SELECT conversation_id, to_tsvector('simple', left(string_agg(${MESSAGE_TEXT}, ' ' ORDER BY id), 100000)) AS text
                FROM new_rows WHERE message_type IN ('incoming', 'outgoing') AND coalesce(content, '') <> ''
               GROUP BY conversation_id ORDER BY conversation_id) v
       WHERE c.id = v.conversation_id;
      RETURN NULL;
    END $$`);
  await q(`CREATE TRIGGER messages_search_vector_insert AFTER INSERT ON messages REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION messages_search_vector_insert()`);
  await q(`CREATE FUNCTION messages_search_vector_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE conversations c SET search_vector = conversation_search_vector(c.id, c.additional_attributes->>'mail_subject', c.contact_id)
       WHERE c.id IN (SELECT n.conversation_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                       WHERE n.content IS DISTINCT FROM o.content OR n.message_type IS DISTINCT FROM o.message_type);
      RETURN NULL;
    END $$`);
  await q(`CREATE TRIGGER messages_search_vector_update AFTER UPDATE ON messages REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION messages_search_vector_update()`);
  await q(`CREATE FUNCTION contacts_search_vector_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE conversations c SET search_vector = conversation_search_vector(c.id, c.additional_attributes->>'mail_subject', c.contact_id)
       WHERE c.contact_id = NEW.id;
      RETURN NULL;
    END $$`);
  await q(`CREATE TRIGGER contacts_search_vector_update AFTER UPDATE OF name, email ON contacts FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email) EXECUTE FUNCTION contacts_search_vector_update()`);
  await q(`UPDATE conversations SET search_vector = conversation_search_vector(id, additional_attributes->>'mail_subject', contact_id)`);
  await q('CREATE INDEX conversations_search_vector ON conversations USING gin (search_vector)');
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  const q = (sql: string) => qi.sequelize.query(sql);
  await q('DROP TRIGGER contacts_search_vector_update ON contacts');
  await q('DROP TRIGGER messages_search_vector_update ON messages');
  await q('DROP TRIGGER messages_search_vector_insert ON messages');
  await q('DROP TRIGGER conversations_search_vector ON conversations');
  await q('DROP FUNCTION contacts_search_vector_update(), messages_search_vector_update(), messages_search_vector_insert(), conversations_search_vector_row()');
  await q('DROP FUNCTION conversation_search_vector(bigint, text, bigint)');
  await q('ALTER TABLE conversations DROP COLUMN search_vector');
  await q('DROP INDEX contacts_account_activity');
  await q('CREATE INDEX conversations_account_id_status_last_activity_at ON conversations (account_id, status, last_activity_at)');
  await q('DROP INDEX conversations_account_status_assignee_activity');
  await q('DROP INDEX conversations_account_activity');
  await q('DROP INDEX conversations_account_status_activity');
  for (const t of ['insert', 'update', 'delete', 'truncate']) await q(`DROP TRIGGER conversation_counts_${t} ON conversations`);
  await q('DROP FUNCTION conversation_counts_apply(), conversation_counts_truncate()');
  await q('DROP TABLE conversation_counts');
}
