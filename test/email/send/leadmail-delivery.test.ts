// The `leadmail` delivery method, taken from the registry as the send job takes it, against the
// sandbox's LeadMail: a built message goes out and lands in Dovecot; each kind of refusal is classified.
import { expect } from 'chai';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { DeliveryInput } from '../../../server/src/extensions/types.js';
import { DeliveryError } from '../../../server/src/lib/errors.js';
import type { Runtime } from '../../../server/src/runtime.js';
import { controlFetch, startTestSandbox, type TestSandbox } from '../../sandbox/helpers.js';
import { awaitMail, startSendRuntime } from './send-runtime.js';

const JANE = 'jane@example.test';

async function builtReply(opts: { subject: string; from?: string }): Promise<DeliveryInput> {
  const from = opts.from ?? '"Sam from Info" <info@example.test>';
  const headers = { messageId: '<conversation/0b7a/messages/7@example.test>', inReplyTo: '<orig@customer.example>', references: ['<orig@customer.example>'] };
  const raw = await new MailComposer({
    from, to: JANE, subject: opts.subject, ...headers, text: 'Plain body', html: '<p>Rich body</p>',
    attachments: [{ filename: 'notes.txt', content: 'line 1\n', contentType: 'text/plain' }],
  }).compile().build();
  return {
    channel: {} as DeliveryInput['channel'],
    raw,
    envelope: { from: 'info@example.test', to: [JANE] },
    headers: { ...headers, subject: opts.subject, from, to: [JANE], cc: [], bcc: [] },
    settings: {},
  };
}

describe('email send: leadmail delivery (sandbox)', function () {
  this.timeout(20_000);
  let sb: TestSandbox;
  let rt: Runtime;
  const deliver = (input: DeliveryInput) => rt.registries.deliveryMethods.get('leadmail')!.deliver(input);
  const failureOf = (input: DeliveryInput) => deliver(input).then(() => expect.fail('delivered'), (err: unknown) => err as DeliveryError);
  const fault = (status: number, headers?: Record<string, string>) => controlFetch(sb, 'POST', '/faults', { path: '/leadmail/v1/messages', status, headers });

  before(async () => {
    sb = await startTestSandbox();
    rt = await startSendRuntime(sb);
  });
  after(async () => {
    await rt?.close();
    await sb?.close();
  });

  it('posts the built message\'s fields and attachments to LeadMail and returns its id, with the reply\'s threading headers', async () => {
    const { providerMessageId } = await deliver(await builtReply({ subject: 'Re: Via LeadMail' }));
    expect(providerMessageId).to.match(/^lm_[0-9a-f]+$/);
    const mail = await awaitMail(sb, JANE, (m) => m.subject === 'Re: Via LeadMail');
    expect(mail.from?.value).to.deep.equal([{ address: 'info@example.test', name: 'Sam from Info' }]);
    expect(mail.text?.trim()).to.equal('Plain body');
    expect(mail.html).to.contain('<p>Rich body</p>');
    expect(mail.attachments.map((a) => [a.filename, a.content.toString()])).to.deep.equal([['notes.txt', 'line 1\n']]);
    // Forwarded as message_id / in_reply_to / references, so the customer's client threads the reply.
    expect(mail.messageId).to.equal('<conversation/0b7a/messages/7@example.test>');
    expect(mail.inReplyTo).to.equal('<orig@customer.example>');
    expect(mail.references).to.include('<orig@customer.example>');
    const sent = (await controlFetch(sb, 'GET', '/sent')).json as { via: string; subject: string }[];
    expect(sent.filter((s) => s.subject === 'Re: Via LeadMail').map((s) => s.via)).to.deep.equal(['leadmail']);
  });

  it('classifies refusals: 429 transient with Retry-After, 503 transient, 401 reauth, 422 permanent with LeadMail\'s field error', async () => {
    await fault(429, { 'Retry-After': '3' });
    expect(await failureOf(await builtReply({ subject: 'throttled' }))).to.include({ kind: 'transient', retryAfterMs: 3000 });
    await fault(503);
    expect(await failureOf(await builtReply({ subject: 'down' }))).to.include({ kind: 'transient', message: 'LeadMail 503: Injected fault' });
    await fault(401);
    expect(await failureOf(await builtReply({ subject: 'bad key' }))).to.include({ kind: 'reauth' });
    const refused = await failureOf(await builtReply({ subject: 'unverified', from: 'someone@unverified.example' }));
    expect(refused).to.include({ kind: 'permanent', message: 'LeadMail 422: The request is invalid.; from domain unverified.example is not verified' });
  });
});
