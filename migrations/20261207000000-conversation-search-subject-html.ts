import { QueryTypes, type QueryInterface } from 'sequelize';
import { htmlToPlainText } from '../server/src/lib/html-text.js';

const BATCH = 500;

/**
 * HTML-only emails were stored with empty `content`, so search and list previews had no text for
 * them: their text is rendered from the kept HTML (the new part when the quote was split off), as
 * ingestion now does, in batches by id so a large table is not held in one statement. (The subject
 * is matched row by row under search's OR, which no trigram index on it would serve.)
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await backfillHtmlOnlyContent(qi);
}

// The rendered content stays: it is what ingestion writes for such emails from now on.
export async function down(): Promise<void> {}

export async function backfillHtmlOnlyContent(qi: QueryInterface): Promise<number> {
  let after = 0;
  let updated = 0;
  for (;;) {
    const rows = await qi.sequelize.query<{ id: number; reply: string | null; full: string }>(
      `SELECT id, content_attributes->'email'->'html_content'->>'reply' AS reply, content_attributes->'email'->'html_content'->>'full' AS full
         FROM messages
        WHERE id > :after AND content_type = 'incoming_email' AND COALESCE(content, '') = ''
          AND content_attributes->'email'->'html_content'->>'full' IS NOT NULL
        ORDER BY id LIMIT ${BATCH}`,
      { replacements: { after }, type: QueryTypes.SELECT },
    );
    if (!rows.length) return updated;
    const texts = rows
      .map((r) => ({ id: r.id, text: (htmlToPlainText(r.reply ?? '').trim() || htmlToPlainText(r.full).trim()).replace(/\u0000/g, '') }))
      .filter((r) => r.text);
    if (texts.length) {
      await qi.sequelize.query(
        'UPDATE messages m SET content = v.text FROM unnest(ARRAY[:ids]::bigint[], ARRAY[:texts]::text[]) AS v(id, text) WHERE m.id = v.id',
        { replacements: { ids: texts.map((t) => t.id), texts: texts.map((t) => t.text) } },
      );
    }
    updated += texts.length;
    after = rows[rows.length - 1].id;
  }
}
