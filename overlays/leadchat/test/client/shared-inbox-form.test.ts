// The "Microsoft 365 shared inbox" wizard card's logic (overlays/leadchat/client/microsoft-shared/shared-inbox.logic.ts):
// what it refuses before leaving for Microsoft, the authorization body it sends, and the draft that
// refills the form when the sign-in sends the administrator back.
import { expect } from 'chai';
import {
  authorizationPayload, DRAFT_KEY, emptyDraft, initialDraft, saveDraft, serverFieldErrors, validateDraft, type SharedInboxDraft,
} from '../../client/microsoft-shared/shared-inbox.logic.js';

/** sessionStorage as the browser has it: strings in, strings out. */
function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, String(v)), items };
}

const draft = (over: Partial<SharedInboxDraft>): SharedInboxDraft => ({ ...emptyDraft(), ...over });

describe('client: microsoft_shared wizard card', () => {
  it('requires a valid shared mailbox address and a transport; the name is optional but bounded', () => {
    expect(validateDraft(emptyDraft())).to.deep.equal({ email: 'EMAIL_REQUIRED', transport: 'TRANSPORT_REQUIRED' });
    for (const email of ['support', 'support@contoso', 'sup port@contoso.test', 'a@@contoso.test', 'support@contoso..test', '@contoso.test']) {
      expect(validateDraft(draft({ email, transport: 'graph_full' })), email).to.deep.equal({ email: 'EMAIL_INVALID' });
    }
    expect(validateDraft(draft({ email: ' Support@Contoso.test ', transport: 'imap_smtp' }))).to.deep.equal({});
    expect(validateDraft(draft({ email: 'support@contoso.test', transport: 'imap_leadmail', name: 'x'.repeat(256) }))).to.deep.equal({ name: 'NAME_TOO_LONG' });
    // Reconnecting: the mailbox is the inbox's own, only the transport is asked for.
    expect(validateDraft(draft({ inboxId: 7 }))).to.deep.equal({ transport: 'TRANSPORT_REQUIRED' });
  });

  it('sends the trimmed, lower-cased address, the transport and a name only when given; a reconnect sends the inbox and transport', () => {
    expect(authorizationPayload(draft({ email: ' Support@Contoso.test ', transport: 'graph_full', name: '  Support ' })))
      .to.deep.equal({ email: 'support@contoso.test', transport: 'graph_full', name: 'Support' });
    expect(authorizationPayload(draft({ email: 'support@contoso.test', transport: 'imap_smtp', name: '   ' })))
      .to.deep.equal({ email: 'support@contoso.test', transport: 'imap_smtp' });
    expect(authorizationPayload(draft({ email: 'support@contoso.test', name: 'Support', transport: 'imap_leadmail', inboxId: 12 })))
      .to.deep.equal({ inbox_id: 12, transport: 'imap_leadmail' });
  });

  it('puts the server\'s field problems at the form\'s fields (inbox_id at the address)', () => {
    expect(serverFieldErrors([
      { path: 'email', message: 'is not an email address' },
      { path: 'email', message: 'second' },
      { path: 'transport', message: 'must be one of graph_full, imap_smtp, imap_leadmail' },
    ])).to.deep.equal({ email: 'is not an email address', transport: 'must be one of graph_full, imap_smtp, imap_leadmail' });
    expect(serverFieldErrors([{ path: 'inbox_id', message: 'is not a Microsoft 365 shared inbox of this account' }]))
      .to.deep.equal({ email: 'is not a Microsoft 365 shared inbox of this account' });
  });

  it('refills the form from the saved draft when the sign-in sends the administrator back with ?error=', () => {
    const storage = memoryStorage();
    const typed = draft({ name: 'Support', email: 'support@contoso.test', transport: 'imap_smtp' });
    saveDraft(typed, storage);
    expect(JSON.parse(storage.items.get(DRAFT_KEY)!)).to.deep.equal(typed);
    expect(initialDraft({ error: 'no_full_access', message: 'bob@contoso.test has no Full Access' }, storage)).to.deep.equal({ ...typed, inboxId: undefined });
    // A fresh visit to the card starts empty even though an old draft is stored.
    expect(initialDraft({}, storage)).to.deep.equal({ ...emptyDraft(), inboxId: undefined });
  });

  it('a reconnect starts from the inbox in the query; a refused reconnect restores only that inbox\'s draft', () => {
    const storage = memoryStorage();
    expect(initialDraft({ inbox_id: '12', email: 'support@contoso.test', name: 'Support' }, storage))
      .to.deep.equal({ name: 'Support', email: 'support@contoso.test', transport: '', inboxId: 12 });
    saveDraft(draft({ name: 'Support', email: 'support@contoso.test', transport: 'imap_leadmail', inboxId: 12 }), storage);
    expect(initialDraft({ error: 'access_denied', inbox_id: '12' }, storage).transport).to.equal('imap_leadmail');
    // Another inbox's refusal does not pick up this draft.
    expect(initialDraft({ error: 'access_denied', inbox_id: '13' }, storage)).to.deep.equal({ name: '', email: '', transport: '', inboxId: 13 });
  });

  it('ignores a damaged or foreign draft and unknown query values', () => {
    expect(initialDraft({ error: 'x' }, memoryStorage({ [DRAFT_KEY]: '{not json' }))).to.deep.equal({ ...emptyDraft(), inboxId: undefined });
    expect(initialDraft({ error: 'x' }, memoryStorage({ [DRAFT_KEY]: JSON.stringify({ email: 5, transport: 'pop3', inboxId: -1 }) })))
      .to.deep.equal({ name: '', email: '', transport: '', inboxId: undefined });
    expect(initialDraft({ transport: 'pop3', inbox_id: 'abc' }, memoryStorage())).to.deep.equal({ ...emptyDraft(), inboxId: undefined });
    expect(initialDraft({ transport: 'graph_full' }, memoryStorage()).transport).to.equal('graph_full');
  });
});
