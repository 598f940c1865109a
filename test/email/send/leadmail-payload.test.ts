// Pins the JSON the core sends LeadMail for its transactional emails: they have no threading headers
// and must keep exactly this shape now that replies forward message_id/in_reply_to/references.
import { expect } from 'chai';
import { buildLeadmailPayload } from '../../../server/src/channels/email/send/leadmail-payload.js';
import { invitationEmail } from '../../../server/src/mailers/invitation.mailer.js';
import { passwordResetEmail } from '../../../server/src/mailers/password-reset.mailer.js';
import { transcriptEmail } from '../../../server/src/mailers/transcript.mailer.js';

const SENDER = 'LeadChat <notifications@example.test>';
const LINK = 'https://app.example.test/auth/password/edit?reset_password_token=tok_123';

describe('LeadMail payload (transactional emails, pinned)', () => {
  it('agent invitation', () => {
    const payload = buildLeadmailPayload(invitationEmail({ sender: SENDER, to: 'New.Agent@Example.test', inviteeName: 'Nia', inviterName: 'Ada <Admin>', accountName: 'Acme & Co', link: LINK }));
    expect(payload).to.deep.equal({
      from: { email: 'notifications@example.test', name: 'LeadChat' },
      to: ['new.agent@example.test'],
      cc: [],
      bcc: [],
      subject: 'You have been invited to join Acme & Co',
      text: `Hi Nia,\n\nAda <Admin> has invited you to join Acme & Co on LeadChat.\n\nSet your password to get started (the link works once, for 7 days):\n${LINK}\n`,
      html: `<p>Hi Nia,</p>\n<p>Ada &lt;Admin&gt; has invited you to join Acme &amp; Co on LeadChat.</p>\n<p><a href="${LINK}">Set your password</a> to get started (the link works once, for 7 days).</p>`,
      attachments: [],
    });
  });

  it('password reset', () => {
    const payload = buildLeadmailPayload(passwordResetEmail({ sender: 'notifications@example.test', to: 'ada@example.test', name: 'Ada', link: LINK }));
    expect(payload).to.deep.equal({
      from: 'notifications@example.test',
      to: ['ada@example.test'],
      cc: [],
      bcc: [],
      subject: 'Reset your password',
      text: `Hi Ada,\n\nSomeone asked to reset your LeadChat password. Choose a new one here (the link works once, for 2 hours):\n${LINK}\n\nIf it was not you, ignore this email: your password stays as it is.\n`,
      html: `<p>Hi Ada,</p>\n<p>Someone asked to reset your LeadChat password. <a href="${LINK}">Choose a new one</a> (the link works once, for 2 hours).</p>\n<p>If it was not you, ignore this email: your password stays as it is.</p>`,
      attachments: [],
    });
  });

  it('conversation transcript', () => {
    const payload = buildLeadmailPayload(transcriptEmail({
      sender: SENDER,
      to: 'jane@example.test',
      displayId: 42,
      lines: [
        { sender: 'Jane', at: new Date('2026-11-20T09:15:00Z'), content: 'My printer <b>is</b> on fire\nHelp', attachments: ['photo.jpg'] },
        { sender: 'Sam', at: new Date('2026-11-20T09:20:30Z'), content: 'Unplug it.', attachments: [] },
      ],
    }));
    expect(payload).to.deep.equal({
      from: { email: 'notifications@example.test', name: 'LeadChat' },
      to: ['jane@example.test'],
      cc: [],
      bcc: [],
      subject: '[#42] Conversation Transcript',
      text: 'Jane (2026-11-20 09:15 UTC):\nMy printer <b>is</b> on fire\nHelp\n[attachments: photo.jpg]\n\nSam (2026-11-20 09:20 UTC):\nUnplug it.\n',
      html: '<p><strong>Jane</strong> <small>2026-11-20 09:15 UTC</small><br>My printer &lt;b&gt;is&lt;/b&gt; on fire<br>Help<br><em>[attachments: photo.jpg]</em></p>\n'
        + '<p><strong>Sam</strong> <small>2026-11-20 09:20 UTC</small><br>Unplug it.</p>',
      attachments: [],
    });
  });

  it('forwards a reply\'s threading headers (message_id, in_reply_to, references), and encodes attachments as base64', () => {
    const payload = buildLeadmailPayload({
      from: '"Sam from Support" <info@example.test>',
      to: ['jane@example.test'],
      cc: ['Boss <boss@customer.test>'],
      bcc: ['audit@example.test'],
      subject: 'Re: Printer',
      text: 'Unplug it.',
      attachments: [{ filename: 'steps.txt', content: Buffer.from('1. unplug'), contentType: 'text/plain' }],
      messageId: '<conversation/u/messages/1@example.test>',
      inReplyTo: '<orig@example.test>',
      references: ['<orig@example.test>'],
    });
    expect(payload).to.deep.equal({
      from: { email: 'info@example.test', name: 'Sam from Support' },
      to: ['jane@example.test'],
      cc: [{ email: 'boss@customer.test', name: 'Boss' }],
      bcc: ['audit@example.test'],
      subject: 'Re: Printer',
      text: 'Unplug it.',
      attachments: [{ filename: 'steps.txt', content: Buffer.from('1. unplug').toString('base64'), content_type: 'text/plain' }],
      message_id: '<conversation/u/messages/1@example.test>',
      in_reply_to: '<orig@example.test>',
      references: ['<orig@example.test>'],
    });
  });

  it('adds no threading fields to a message without them (a first outbound email, or empty references)', () => {
    const payload = buildLeadmailPayload({ from: 'info@example.test', to: ['jane@example.test'], subject: 'Hello', text: 'Hi', messageId: '<conversation/u/messages/2@example.test>', references: [] });
    expect(payload).to.deep.equal({
      from: 'info@example.test', to: ['jane@example.test'], cc: [], bcc: [], subject: 'Hello', text: 'Hi', attachments: [],
      message_id: '<conversation/u/messages/2@example.test>',
    });
    expect(payload).to.not.have.any.keys('in_reply_to', 'references');
  });
});
