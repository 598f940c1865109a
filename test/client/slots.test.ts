// The dashboard's extension slots (client/src/extensions): what overlays register, in which order,
// and every conflict reported together — the client side of the extension seam.
import { expect } from 'chai';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ClientExtension, EmailProviderCard } from '../../client/src/extensions/api.js';
import { ExtensionLoadError, loadClientExtensions, overlayNameOf } from '../../client/src/extensions/slots.js';
import { offeredCards } from '../../client/src/features/inbox-wizard/offered-cards.js';
import { repoRoot } from '../../server/src/lib/paths.js';

const form = async () => ({});
const card = (id: string, order?: number): EmailProviderCard => ({ id, order, title: `T.${id}`, description: `D.${id}`, form });

describe('client: extension slots', () => {
  it('lists entries by order, then registration order, across contributors', () => {
    const core: ClientExtension = { register: (api) => { api.slot('inboxWizard.emailProviders', card('imap', 100)); api.slot('inboxWizard.emailProviders', card('microsoft', 10)); } };
    const overlay: ClientExtension = { register: (api) => { api.slot('inboxWizard.emailProviders', card('microsoft_shared', 5)); api.slot('inboxWizard.emailProviders', card('late')); } };
    const { slots } = loadClientExtensions([{ name: 'core', extension: core }, { name: 'leadchat', extension: overlay }]);
    expect(slots.list('inboxWizard.emailProviders').map((c) => c.id)).to.deep.equal(['microsoft_shared', 'microsoft', 'imap', 'late']);
    expect(slots.list('settings.integrations')).to.deep.equal([]);
  });

  it('shows only the core\'s entries and those of the overlays the server runs', () => {
    const core: ClientExtension = { register: (api) => api.slot('inboxWizard.emailProviders', card('imap', 100)) };
    const overlay: ClientExtension = { register: (api) => api.slot('settings.integrations', { id: 'metadata-sync', title: 'T', description: 'D', component: form }) };
    const { slots } = loadClientExtensions([{ name: 'core', extension: core }, { name: 'leadchat', extension: overlay }]);
    expect(slots.list('settings.integrations', ['leadchat']).map((p) => p.id)).to.deep.equal(['metadata-sync']);
    expect(slots.list('settings.integrations', [])).to.deep.equal([]);
    expect(slots.list('inboxWizard.emailProviders', []).map((c) => c.id)).to.deep.equal(['imap']);
  });

  it('merges each contributor\'s i18n namespace per locale', () => {
    const overlay: ClientExtension = { register: (api) => api.messages('MICROSOFT_SHARED', { en: { TITLE: 'Shared' }, de: { TITLE: 'Geteilt' } }) };
    const { messages } = loadClientExtensions([{ name: 'leadchat', extension: overlay }], ['CONVERSATION']);
    expect(messages).to.deep.equal({ en: { MICROSOFT_SHARED: { TITLE: 'Shared' } }, de: { MICROSOFT_SHARED: { TITLE: 'Geteilt' } } });
  });

  it('reports every problem at once: duplicate ids, claimed or malformed namespaces, unknown slots, a throwing register()', () => {
    const a: ClientExtension = { register: (api) => { api.slot('contactSidebar.panels', { id: 'interactions', title: 'X', component: form }); api.messages('MICROSOFT_SHARED', { en: {} }); } };
    const b: ClientExtension = {
      register: (api) => {
        api.slot('contactSidebar.panels', { id: 'interactions', title: 'Y', component: form });
        api.messages('MICROSOFT_SHARED', { en: {} });
        api.messages('CONVERSATION', { en: {} });
        api.messages('microsoftShared', { en: {} });
        (api.slot as (s: string, e: unknown) => void)('sidebar.widgets', { id: 'w' });
      },
    };
    const broken: ClientExtension = { register: () => { throw new Error('boom'); } };
    let error: unknown;
    try {
      loadClientExtensions([{ name: 'a', extension: a }, { name: 'b', extension: b }, { name: 'c', extension: broken }, { name: 'd', extension: {} as ClientExtension }], ['CONVERSATION']);
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ExtensionLoadError);
    expect((error as ExtensionLoadError).problems).to.deep.equal([
      'contactSidebar.panels "interactions" is registered by both a and b',
      'i18n namespace "MICROSOFT_SHARED" is claimed by both a and b',
      'i18n namespace "CONVERSATION" is claimed by both core and b',
      'b: i18n namespace "microsoftShared" is not UPPER_SNAKE',
      'b: unknown slot "sidebar.widgets"',
      'c: register() threw: boom',
      'd: the module\'s default export has no register(api) function',
    ]);
  });

  it('names an overlay by its folder, as the glob finds it', () => {
    expect(overlayNameOf('../../../overlays/leadchat/client/index.ts')).to.equal('leadchat');
    expect(() => overlayNameOf('../../../overlays/leadchat/client/other.ts')).to.throw(/not an overlay client entry/);
  });

  it('offers a wizard card only for providers the server has registered', () => {
    const cards = [card('microsoft_shared', 5), card('microsoft', 10), card('imap', 100)];
    expect(offeredCards(cards, [{ id: 'imap' }, { id: 'microsoft' }]).map((c) => c.id)).to.deep.equal(['microsoft', 'imap']);
    expect(offeredCards(cards, [])).to.deep.equal([]);
  });

  it('loads the LeadChat overlay\'s client entry: its MICROSOFT_SHARED bundle, its wizard card and its settings tab for shared inboxes only', async () => {
    // A computed specifier: the overlay's client code is built by Vite, not type-checked with the server's NodeNext settings.
    const entry = pathToFileURL(path.join(repoRoot, 'overlays', 'leadchat', 'client', 'index.ts')).href;
    const extension = ((await import(entry)) as { default: ClientExtension }).default;
    const { messages, slots } = loadClientExtensions([{ name: 'leadchat', extension }], ['CONVERSATION', 'INBOX_WIZARD']);
    const bundle = messages.en.MICROSOFT_SHARED as { TRANSPORT: Record<string, { TITLE: string; HELP: string }> };
    expect(Object.keys(bundle.TRANSPORT)).to.deep.equal(['GRAPH', 'IMAP_SMTP', 'IMAP_LEADMAIL']);
    for (const t of Object.values(bundle.TRANSPORT)) {
      expect(t.TITLE).to.be.a('string').and.not.empty;
      expect(t.HELP).to.be.a('string').and.not.empty;
    }
    expect(slots.list('inboxWizard.emailProviders').map((c) => [c.id, c.title])).to.deep.equal([['microsoft_shared', 'MICROSOFT_SHARED.TITLE']]);
    const [panel] = slots.list('inboxSettings.panels');
    expect(panel!.appliesTo!({ provider: 'microsoft_shared', provider_config: {} })).to.equal(true);
    expect(panel!.appliesTo!({ provider: 'imap', provider_config: {} })).to.equal(false);
  });
});
