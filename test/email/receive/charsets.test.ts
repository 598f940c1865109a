// Wrong charset labels and raw 8-bit headers, through the real parser (composed samples): valid UTF-8
// is read as UTF-8 whatever the label; legacy text that is really in its declared charset is not touched.
import { expect } from 'chai';
import { parseEmail } from '../../../server/src/channels/email/receive/parsed-email.js';

const eml = (headers: Buffer, body: Buffer) => Buffer.concat([headers, Buffer.from('\r\n\r\n'), body, Buffer.from('\r\n')]);
const head = (lines: string[], encoding: BufferEncoding = 'utf8') => Buffer.from(['From: A <a@example.test>', 'To: b@example.test', 'Message-ID: <c@example.test>', 'MIME-Version: 1.0', ...lines].join('\r\n'), encoding);

describe('email charsets', () => {
  it('reads UTF-8 bodies labelled GB2312 or ISO-8859-1 as UTF-8', async () => {
    const chinese = '您好，我的订单还没有到。';
    const gb = await parseEmail(eml(head(['Subject: order', 'Content-Type: text/plain; charset=gb2312', 'Content-Transfer-Encoding: 8bit']), Buffer.from(chinese, 'utf8')));
    expect(gb.text.full?.trim()).to.equal(chinese);
    const french = 'Où est ma commande ? Merci d’avance — Élodie';
    const latin = await parseEmail(eml(head(['Subject: commande', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: quoted-printable']),
      Buffer.from(Buffer.from(french, 'utf8').toString('latin1').replace(/[\u0080-\u00ff=]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`), 'latin1')));
    expect(latin.text.full?.trim()).to.equal(french);
  });

  it('keeps text that really is in its declared legacy charset', async () => {
    const gbk = new Uint8Array([0xc4, 0xfa, 0xba, 0xc3]); // 您好 in GB2312
    expect((await parseEmail(eml(head(['Subject: x', 'Content-Type: text/plain; charset=gb2312']), Buffer.from(gbk)))).text.full?.trim()).to.equal('您好');
    const latin = Buffer.from('Grüße aus Köln', 'latin1');
    expect((await parseEmail(eml(head(['Subject: x', 'Content-Type: text/plain; charset=iso-8859-1']), latin))).text.full?.trim()).to.equal('Grüße aus Köln');
    const koi = Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]); // Привет in KOI8-R
    expect((await parseEmail(eml(head(['Subject: x', 'Content-Type: text/plain; charset=koi8-r']), koi))).text.full?.trim()).to.equal('Привет');
  });

  it('reads raw 8-bit header bytes: UTF-8 as UTF-8, others in the charset the message names, else Windows-1252', async () => {
    const utf8 = await parseEmail(eml(head(['Subject: Réclamation n° 42', 'Content-Type: text/plain; charset=iso-8859-1']), Buffer.from('x')));
    expect(utf8.subject).to.equal('Réclamation n° 42');
    const latin = await parseEmail(eml(head(['Subject: Réclamation n° 42', 'Content-Type: text/plain'], 'latin1'), Buffer.from('x')));
    expect(latin.subject).to.equal('Réclamation n° 42');
    const koi = Buffer.concat([head(['Content-Type: text/plain; charset="koi8-r"', 'Subject: ']), Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4])]);
    expect((await parseEmail(eml(koi, Buffer.from('x')))).subject).to.equal('Привет');
    const utf8Word = Buffer.concat([head(['Reply-To: =?UTF-8?Q?Mar=C3=ADa?= <m@example.test>', 'Subject: Se']), Buffer.from('ñor', 'latin1')]);
    const parsed = await parseEmail(eml(utf8Word, Buffer.from('x')));
    expect(parsed.subject, 'an encoded word naming UTF-8 does not make raw bytes UTF-8').to.equal('Señor');
    expect(parsed.replyTo[0].name).to.equal('María');
  });
});
