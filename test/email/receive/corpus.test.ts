// Every email of the shared corpus through the real path: APPEND into Dovecot, the email.fetch job,
// ingestion. Each becomes a message (or a duplicate of one with the same Message-ID) or a recorded
// rejection with its reason; every UID is accounted for and its raw MIME kept.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { repoRoot, startTestSandbox, type TestSandbox } from '../../sandbox/helpers.js';
import { runtime } from '../../support/runtime.js';
import { InboundEmail } from '../../../server/src/channels/email/receive/receive.model.js';
import type { Attachment, Message } from '../../../server/src/models/index.js';
import { MAIL_CLASS_POLICY } from '../../../server/src/channels/email/receive/mail-classifier.js';
import { parseEmail } from '../../../server/src/channels/email/receive/parsed-email.js';
import { UNKNOWN_SENDER_IDENTIFIER } from '../../../server/src/channels/email/receive/email-ingestion.service.js';
import { append, clearInbox, createImapInbox, runFetch, type ReceiveInbox } from './helpers.js';
import { CORPUS_EXPECTATIONS } from './corpus-expectations.js';

const corpusDir = path.resolve(repoRoot, '..', 'shared', 'corpus', 'eml');

describe('email receive: the eml corpus through Dovecot', function () {
  this.timeout(120_000);
  let sb: TestSandbox;
  let inbox: ReceiveInbox;
  let files: string[];
  const uidOf = new Map<string, number>();
  const refused: string[] = [];
  const byFile = new Map<string, InboundEmail>();
  let outcome: Awaited<ReturnType<typeof runFetch>>;

  before(async function () {
    if (!fs.existsSync(corpusDir)) {
      console.warn(`    skipped: the email corpus is not at ${corpusDir} (../shared is absent)`);
      this.skip();
    }
    files = fs.readdirSync(corpusDir).filter((f) => f.endsWith('.eml')).sort();
    sb = await startTestSandbox();
    await clearInbox(sb);
    for (const f of files) {
      const [uid] = await append(sb, [fs.readFileSync(path.join(corpusDir, f))]).catch(() => [undefined]);
      if (uid) uidOf.set(f, uid);
      else refused.push(f);
    }
    inbox = await createImapInbox(sb, { backfillDays: 30 });
    outcome = await runFetch(inbox.channelId);
    const rows = await InboundEmail.findAll({ where: { inbox_id: inbox.inboxId } });
    const fileOfUid = new Map([...uidOf].map(([f, u]) => [u, f]));
    for (const row of rows) byFile.set(fileOfUid.get(Number(row.source_ref.split(':').pop()))!, row);
  });
  after(async () => { await sb?.close(); });

  const message = async (file: string): Promise<Message & { attachments: Attachment[] }> => {
    const { models } = await runtime();
    const row = byFile.get(file);
    expect(row, `${file} has an inbound_emails row`).to.not.equal(undefined);
    expect(row!.status, `${file}: ${row!.error_reason}`).to.equal('ingested');
    return (await models.Message.findByPk(row!.message_id!, { include: [{ model: models.Attachment, as: 'attachments' }] })) as Message & { attachments: Attachment[] };
  };
  const email = (m: Message) => m.content_attributes.email as Record<string, any>;

  it('Dovecot takes every file, and the fetch completes without crashing', () => {
    expect(refused).to.deep.equal([]);
    expect(outcome.status, outcome.reason).to.equal('fetched');
  });

  it('accounts for every UID: ingested, duplicate of the same Message-ID, or rejected with a reason; raw MIME kept', async () => {
    const { storage, models } = await runtime();
    expect(byFile.size).to.equal(files.length);
    // Dovecot hands back CRLF for bare LF and replaces NUL bytes (with 0x80); the rest is byte for byte.
    const lf = (b: Buffer) => b.toString('latin1').replace(/\r\n/g, '\n').replace(/[\u0000\u0080]/g, '');
    for (const [file, row] of byFile) {
      expect(['ingested', 'duplicate', 'rejected', 'filed'], `${file}: ${row.status} ${row.error_reason}`).to.include(row.status);
      if (row.status === 'rejected' || row.status === 'filed') expect(row.error_reason, file).to.be.a('string').and.not.equal('');
      else expect(row.message_id, file).to.be.a('number');
      const kept = await buffer(storage.get(row.storage_key!));
      expect(createHash('sha256').update(kept).digest('hex')).to.equal(row.sha256);
      expect(lf(kept) === lf(fs.readFileSync(path.join(corpusDir, file))), `${file} raw kept`).to.equal(true);
    }
    const created = [...byFile.values()].filter((r) => r.status === 'ingested');
    expect(await models.Message.count({ where: { inbox_id: inbox.inboxId } })).to.equal(created.length);
    expect(outcome.counts.created + outcome.counts.duplicate + outcome.counts.rejected + outcome.counts.filed).to.equal(files.length);
    // Duplicates point at the message that carries their Message-ID.
    for (const row of [...byFile.values()].filter((r) => r.status === 'duplicate')) {
      expect((await models.Message.findByPk(row.message_id!))!.source_id).to.equal(row.message_id_header);
    }
  });

  it('names attachments that have no filename and keeps every part', async () => {
    const m = await message('chatwoot-attachments_without_filename.eml');
    expect(m.attachments.map((a) => [a.filename, a.content_type])).to.deep.equal([['attachment-1.png', 'image/png'], ['attachment-2.png', 'image/png']]);
    const { storage } = await runtime();
    for (const a of m.attachments) expect((await buffer(storage.get(a.storage_key!))).length).to.equal(Number(a.byte_size));
  });

  it('keeps a cid: image without Content-Disposition as an inline attachment the HTML links to', async () => {
    const m = await message('chatwoot-cid_inline_images_without_disposition.eml');
    expect(m.attachments).to.have.length(1);
    expect(m.attachments[0]).to.include({ content_id: 'image001.jpg@test', inline: true, content_type: 'image/jpeg', file_type: 'image' });
    expect(email(m).html_content.full).to.include('cid:image001.jpg@test');
  });

  it('keeps inline images with disposition inline and linked (Gmail and nodemailer)', async () => {
    const gmail = await message('chatwoot-mail_with_inline_images.eml');
    expect(gmail.attachments.map((a) => [a.filename, a.inline, a.content_id])).to.deep.equal([
      ['poster (8).jpg', true, 'ii_lm7fuura0'], ['poster (7).jpg', true, 'ii_lm7fuuvm1'], ['poster (1).jpg', true, 'ii_lm7fuuwn2'],
    ]);
    const nodemailer = await message('mailparser-nodemailer.eml');
    expect(nodemailer.attachments.find((a) => a.content_id === 'note@example.com')).to.include({ inline: true, content_type: 'image/png' });
    expect(nodemailer.attachments.find((a) => a.filename === 'notes.txt')).to.include({ inline: false });
  });

  it('decodes non-UTF-8, Japanese (ISO-2022-JP) and RFC 6532 subjects, and sets the contact from From', async () => {
    expect((await message('chatwoot-non_utf_encoded_mail.eml')).content_attributes).to.have.nested.property('email.subject', 'أهلين عميلنا الكريم ');
    expect(email(await message('mail-japanese_iso_2022.eml')).subject).to.equal('まみむめも');
    expect(email(await message('mimekit-japanese-iso2022jp.eml')).subject).to.equal('日本語メールテスト (testing Japanese emails)');
    const utf8 = await message('mail-rfc6532_utf8_headers.eml');
    expect(email(utf8).subject).to.equal('Säying Hello');
    expect(email(utf8).message_id, 'synthesised when missing').to.match(/^<[0-9a-f]{40}@synthesised\.leadchat\.invalid>$/);
    const { models } = await runtime();
    const contact = await models.Contact.findByPk(utf8.sender_id!);
    expect(contact!.email).to.equal('jdöe@mächine.example');
  });

  it('reads raw 8-bit subjects in the charset the message names, or Windows-1252, instead of U+FFFD', async () => {
    expect(email(await message('mail-invalid_subject_characters.eml')).subject).to.equal('Formação FrenetikPolis: Mega Campanha Final Verão | Cursos de Setembro');
    expect(email(await message('mimekit-raw-koi8r-header.eml')).subject).to.equal('Откуда он появился?');
  });

  it('reads a forward that is the whole email (message/rfc822 at the top) as its text', async () => {
    const digest = await message('mimekit-multipart-digest.eml');
    expect(email(digest)).to.include({ text_source: 'forward' });
    expect(digest.content).to.match(/^---------- Forwarded message ----------\nFrom: sub@domain\.org\n[^]*m1 body/);
  });

  it('records a message without a Date header, and one with NUL bytes in its headers', async () => {
    const noDate = await message('mail-multiple_references_with_one_invalid.eml');
    expect(email(noDate).date).to.equal(null);
    const nul = await message('mimekit-unexpected-null-bytes-in-headers.eml');
    expect(email(nul).subject).to.not.include('\u0000');
  });

  it('flags bounces (delivery-status reports, MAILER-DAEMON) and keeps the returned message as an attachment', async () => {
    for (const file of ['chatwoot-bounced_gmail.eml', 'mail-multi_address_bounce1.eml', 'mimekit-bounce-postfix.eml', 'mailparser-delivery-status-ses.eml']) {
      const m = await message(file);
      expect(email(m).bounce, file).to.equal(true);
    }
    const gmail = await message('chatwoot-bounced_gmail.eml');
    expect(gmail.attachments.find((a) => a.content_type === 'message/rfc822')).to.include({ filename: 'attachment-2.eml' });
    expect(email(await message('chatwoot-mail_with_quote.eml'))).to.include({ bounce: false, auto_reply: false });
  });

  it('rejects nothing: every sample is a message, a duplicate of one, or filed apart', () => {
    expect([...byFile].filter(([, r]) => r.status === 'rejected').map(([f, r]) => `${f}: ${r.error_reason}`)).to.deep.equal([]);
  });

  it('gives every sample its expected class and sender; complaints and aggregate reports are filed, not conversations', async () => {
    const { models } = await runtime();
    expect(Object.keys(CORPUS_EXPECTATIONS).sort(), 'one expectation per sample').to.deep.equal(files);
    for (const [file, [mailClass, sender]] of Object.entries(CORPUS_EXPECTATIONS)) {
      const row = byFile.get(file)!;
      if (MAIL_CLASS_POLICY[mailClass].filing === 'filed') {
        expect(row.status, file).to.equal('filed');
        expect(row.error_reason, file).to.match(new RegExp(`^${mailClass}:`));
        continue;
      }
      if (row.status === 'duplicate') continue;
      const m = await message(file);
      expect(email(m).mail_class, file).to.equal(mailClass);
      const contact = await models.Contact.findByPk(m.sender_id!);
      if (sender) expect(contact!.email, file).to.equal(sender);
      else expect(contact!.identifier, file).to.equal(UNKNOWN_SENDER_IDENTIFIER);
    }
  });

  it('parses every sample, duplicates included, into its expected class and sender', async () => {
    const wrong: string[] = [];
    for (const [file, [mailClass, sender]] of Object.entries(CORPUS_EXPECTATIONS)) {
      const e = await parseEmail(fs.readFileSync(path.join(corpusDir, file)));
      const got = (e.replyTo[0] ?? e.from[0] ?? e.senderFallback?.address)?.address ?? null;
      if (e.mailClass !== mailClass || got !== sender) wrong.push(`${file}: ${e.mailClass} ${got} (${e.classSignal})`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('takes a bounce that names no sender from an "Unknown sender" contact, and tells the agent why', async () => {
    const m = await message('chatwoot-bounced_with_no_from.eml');
    expect(email(m).sender_fallback).to.deep.equal({ source: 'unknown', address: null, from_header: '"" (Mail Delivery System)' });
    expect(email(m)).to.include({ mail_class: 'bounce', bounce: true, auto_reply: false });
  });

  it('flags auto-replies (X-Autoreply); the Auto-Submitted copy with the same Message-ID is a duplicate of it', async () => {
    const m = await message('chatwoot-auto_reply.eml');
    expect(email(m).auto_reply).to.equal(true);
    expect(byFile.get('chatwoot-auto_reply_with_auto_submitted.eml')).to.include({ status: 'duplicate', message_id: m.id });
  });

  it('keeps message/rfc822 attachments with their bytes', async () => {
    const m = await message('mail-attachment_message_rfc822.eml');
    const eml = m.attachments.find((a) => a.content_type === 'message/rfc822');
    expect(eml).to.include({ filename: 'ForwardedMessage.eml', inline: false });
    expect(Number(eml!.byte_size)).to.be.greaterThan(100);
    const nested = await message('mail-attachment_message_rfc822_inline_image.eml');
    expect(nested.attachments.map((a) => [a.content_type, a.inline])).to.deep.equal([['image/png', true], ['message/rfc822', false]]);
  });

  it('stores the reply as content and splits text and HTML into reply and quoted parts', async () => {
    const m = await message('chatwoot-mail_with_quote.eml');
    const e = email(m);
    expect(m.content_type).to.equal('incoming_email');
    expect(m.message_type).to.equal('incoming');
    expect(e.text_content.quoted).to.be.a('string').and.match(/wrote:/);
    expect(m.content).to.equal(e.text_content.reply);
    expect(m.content).to.not.match(/wrote:/);
    expect(e.html_content.full).to.include(e.html_content.reply);
    expect(e.html_content.quoted).to.match(/gmail_quote|blockquote/);
    expect(e.from).to.deep.equal(['sony@chatwoot.com']);
  });

  it('keeps attachment names in any encoding, cut to fit with their extension', async () => {
    expect((await message('mail-attachment_with_base64_encoded_name.eml')).attachments[0].filename).to.equal('This is a test.pdf');
    expect((await message('mail-content_transfer_encoding_x_uuencode.eml')).attachments[0].filename).to.equal('PGP_Cmts_on_12-14-01_Pkg.doc');
    const long = (await message('mail-japanese_attachment_long_name.eml')).attachments[0];
    expect(long.filename.length).to.be.at.most(255);
    expect(long.filename).to.match(/^かきくけこ/);
  });
});
