// The mail classifier through the real parser (composed emails, one per signal seen in the wild), and
// the one table that says what each class does.
import { expect } from 'chai';
import { MAIL_CLASSES, MAIL_CLASS_POLICY, type MailClass } from '../../../server/src/channels/email/receive/mail-classifier.js';
import { parseEmail } from '../../../server/src/channels/email/receive/parsed-email.js';

/** A composed email: headers, then a body or multipart parts (each a header block and a body). */
function eml(headers: string[], body: string | { type: string; parts: string[] } = 'Hello'): Buffer {
  const head = ['Date: Mon, 7 Dec 2026 10:00:00 +0000', 'Message-ID: <c@example.test>', 'MIME-Version: 1.0', ...headers];
  if (typeof body === 'string') {
    const ct = headers.some((h) => /^content-type:/i.test(h)) ? [] : ['Content-Type: text/plain; charset=utf-8'];
    return Buffer.from([...head, ...ct].join('\r\n') + '\r\n\r\n' + body + '\r\n');
  }
  const parts = body.parts.map((p) => `--b0\r\n${p}\r\n`).join('');
  return Buffer.from([...head, `Content-Type: ${body.type}; boundary="b0"`].join('\r\n') + `\r\n\r\n${parts}--b0--\r\n`);
}
const report = (reportType: string, ...parts: string[]) => ({ type: `multipart/report; report-type=${reportType}`, parts: ['Content-Type: text/plain\r\n\r\nAbout your message.', ...parts] });
const dsn = (action: string, status: string) => `Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; bob@example.net\r\nAction: ${action}\r\nStatus: ${status}\r\n`;
const classOf = async (raw: Buffer): Promise<MailClass> => (await parseEmail(raw)).mailClass;
const person = 'From: Alice <alice@example.com>';

describe('mail classifier', () => {
  it('reads a person writing as human, whatever Outlook adds to their mail', async () => {
    expect(await classOf(eml([person, 'Subject: Question about my order']))).to.equal('human');
    expect(await classOf(eml([person, 'Subject: Re: order', 'X-Auto-Response-Suppress: All']))).to.equal('human');
    expect(await classOf(eml([person, 'Subject: Auto-Submitted question', 'Auto-Submitted: no']))).to.equal('human');
  });

  it('reads vacation replies by RFC 3834, vendor headers and localised subjects', async () => {
    const cases: string[][] = [
      ['Auto-Submitted: auto-replied', 'Subject: Re: order'],
      ['X-Autoreply: yes', 'Subject: Re: order'],
      ['X-Autorespond: Away', 'Subject: Re: order'],
      ['Precedence: auto_reply', 'Subject: Re: order'],
      ['Subject: Automatic reply: order', 'X-Auto-Response-Suppress: All', 'X-MS-Exchange-Inbox-Rules-Loop: alice@example.com'],
      ['Subject: Out of Office: order'],
      ['Subject: Abwesenheitsnotiz: Ihre Bestellung'],
      ['Subject: Réponse automatique : commande'],
      ['Subject: =?UTF-8?Q?Respuesta_autom=C3=A1tica=3A_pedido?='],
      ['Subject: Risposta automatica: ordine'],
      ['Subject: Automatisch antwoord: bestelling'],
      ['Subject: =?UTF-8?B?6Ieq5YuV5b+c562UOiDms6jmlofjgavjgaTjgYTjgaY=?='],
    ];
    for (const headers of cases) expect(await classOf(eml([person, ...headers])), headers.join(' | ')).to.equal('auto_reply');
    expect(await classOf(eml(['From: Alice <alice@example.com>', 'Return-Path: <>', 'Subject: I am away']))).to.equal('auto_reply');
  });

  it('reads a human list post (Precedence: list|bulk with List-Id) as list, not as an auto-reply', async () => {
    expect(await classOf(eml([person, 'Subject: [users] How do I…', 'Precedence: list', 'List-Id: Users <users.lists.example.org>']))).to.equal('list');
    expect(await classOf(eml([person, 'Subject: Our December news', 'Precedence: bulk', 'List-Unsubscribe: <mailto:leave@example.org>']))).to.equal('list');
    expect(await classOf(eml([person, 'Subject: digest', 'Sender: owner-users@lists.example.org']))).to.equal('list');
    expect(await classOf(eml([person, 'Subject: Weekly news', 'Auto-Submitted: auto-generated', 'List-Unsubscribe: <https://news.example.org/u>']))).to.equal('list');
    expect(await classOf(eml([person, 'Subject: Away', 'Auto-Submitted: auto-replied', 'List-Id: <users.lists.example.org>'])), 'a responder answering a list post').to.equal('auto_reply');
  });

  it('tells a permanent failure (bounce) from a transient one (delay) by Action and Status', async () => {
    const daemon = 'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>';
    expect(await classOf(eml([daemon, 'Subject: Undelivered Mail Returned to Sender'], report('delivery-status', dsn('failed', '5.1.1'))))).to.equal('bounce');
    expect(await classOf(eml([daemon, 'Subject: Delivery Status Notification (Delay)'], report('delivery-status', dsn('delayed', '4.4.7'))))).to.equal('delivery_delay');
    expect(await classOf(eml([daemon, 'Subject: Mail status'], report('delivery-status', dsn('delayed', '4.2.2'), dsn('failed', '5.2.2')))), 'the worst recipient decides').to.equal('bounce');
    expect(await classOf(eml([daemon, 'Subject: Delivery Status Notification (Success)'], report('delivery-status', dsn('delivered', '2.0.0'))))).to.equal('report');
    expect(await classOf(eml([daemon, 'Subject: failure notice'])), 'a qmail bounce has no DSN').to.equal('bounce');
    expect(await classOf(eml([daemon, 'Subject: Warning: could not send message for past 4 hours']))).to.equal('delivery_delay');
  });

  it('reads read receipts: MDN reports and Outlook receipts wrapped in TNEF', async () => {
    const mdn = 'Content-Type: message/disposition-notification\r\n\r\nReporting-UA: mail.example.com\r\nFinal-Recipient: rfc822; bob@example.com\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n';
    expect(await classOf(eml([person, 'Subject: Read: order'], report('disposition-notification', mdn)))).to.equal('read_receipt');
    // A winmail.dat whose message class attribute is an Outlook read notification.
    const tnef = Buffer.concat([Buffer.from([0x78, 0x9f, 0x3e, 0x22]), Buffer.from('\u0000REPORT.IPM.Note.IPNRN\u0000', 'latin1')]).toString('base64');
    const wrapped = { type: 'multipart/mixed', parts: ['Content-Type: text/plain\r\n\r\nRead', `Content-Type: application/ms-tnef; name="winmail.dat"\r\nContent-Disposition: attachment; filename="winmail.dat"\r\nContent-Transfer-Encoding: base64\r\n\r\n${tnef}`] };
    expect(await classOf(eml([person, 'Subject: Read: order'], wrapped))).to.equal('read_receipt');
  });

  it('reads ARF feedback reports as complaints', async () => {
    const arf = 'Content-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: SomeGenerator/1.0\r\nVersion: 1\r\n';
    expect(await classOf(eml(['From: <abuse@isp.example>', 'Subject: FW: complaint'], report('feedback-report', arf)))).to.equal('complaint');
  });

  it('reads DMARC and TLS aggregate reports', async () => {
    const zip = (name: string, type = 'application/zip') => `Content-Type: ${type}; name="${name}"\r\nContent-Disposition: attachment; filename="${name}"\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBAo=`;
    expect(await classOf(eml(['From: noreply-dmarc-support@google.com', 'Subject: Report domain: example.com Submitter: google.com Report-ID: 123'], { type: 'multipart/mixed', parts: [zip('google.com!example.com!1700000000!1700086399.zip')] }))).to.equal('report');
    expect(await classOf(eml(['From: dmarc@mail.example.net', 'Subject: DMARC'], { type: 'multipart/mixed', parts: [zip('mail.example.net!example.com!1700000000!1700086399.xml.gz', 'application/gzip')] }))).to.equal('report');
    expect(await classOf(eml(['From: tlsrpt@example.net', 'Subject: Report Domain: example.com', 'TLS-Report-Domain: example.com', 'TLS-Report-Submitter: example.net'], { type: 'multipart/report; report-type=tlsrpt', parts: [zip('example.net!example.com!1700000000!1700086399.json.gz', 'application/tlsrpt+gzip')] }))).to.equal('report');
  });

  it('has one policy per class: what reopens, what is the customer\'s turn, what may be auto-answered, what is filed apart', () => {
    expect(Object.keys(MAIL_CLASS_POLICY).sort()).to.deep.equal([...MAIL_CLASSES].sort());
    const row = (c: MailClass) => { const p = MAIL_CLASS_POLICY[c]; return [p.reopens, p.customerReply, p.autoAnswer, p.filing]; };
    expect(row('human')).to.deep.equal([true, true, true, 'conversation']);
    expect(row('list')).to.deep.equal([true, true, false, 'conversation']);
    expect(row('bounce')).to.deep.equal([true, false, false, 'conversation']);
    for (const c of ['auto_reply', 'delivery_delay', 'read_receipt'] as const) expect(row(c), c).to.deep.equal([false, false, false, 'conversation']);
    for (const c of ['complaint', 'report'] as const) expect(row(c), c).to.deep.equal([false, false, false, 'filed']);
  });
});
