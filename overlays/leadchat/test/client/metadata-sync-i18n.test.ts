// The "Mail & calendar insights" screens as the overlay registers them (overlays/leadchat/client/index.ts):
// the integration page under the id the providers' callbacks redirect to, the contact sidebar panel,
// and a METADATA_SYNC English bundle holding every key the components and the logic module ask for.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadClientExtensions } from '../../../../client/src/extensions/slots.js';
import type { ClientExtension } from '../../../../client/src/extensions/api.js';
import { repoRoot } from '../../../../test/sandbox/helpers.js';
import {
  FEATURES, featureKey, interactionLabelKey, PROVIDERS, providerKey, sourceLabelKey, statusBadge,
} from '../../client/metadata-sync/metadata-sync.logic.js';

const folder = path.join(repoRoot, 'overlays', 'leadchat', 'client', 'metadata-sync');

async function loadOverlay() {
  // A computed specifier: the overlay's client entry is built by Vite, not type-checked with the server's NodeNext settings.
  const entry = pathToFileURL(path.join(repoRoot, 'overlays', 'leadchat', 'client', 'index.ts')).href;
  const extension = ((await import(entry)) as { default: ClientExtension }).default;
  return loadClientExtensions([{ name: 'leadchat', extension }], ['CONVERSATION', 'SETTINGS', 'CONTACTS']);
}

function lookup(bundle: Record<string, unknown>, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), bundle);
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : /\.(vue|ts)$/.test(e.name) ? [full] : [];
  });
}

describe('client: metadata sync registration and messages', () => {
  it('registers the integration page as "metadata-sync" (the callbacks\' /settings/integrations/metadata-sync) and the Interactions panel', async () => {
    // The loader throws on any problem (a clashing id or namespace).
    const { slots } = await loadOverlay();
    expect(slots.list('settings.integrations').map((p) => [p.id, p.title, p.description])).to.deep.equal([
      ['metadata-sync', 'METADATA_SYNC.TITLE', 'METADATA_SYNC.DESCRIPTION'],
    ]);
    expect(slots.list('contactSidebar.panels').map((p) => [p.id, p.title])).to.deep.equal([['interactions', 'METADATA_SYNC.INTERACTIONS.TITLE']]);
  });

  it('has an English message for every key the components and the logic module use', async () => {
    const { messages } = await loadOverlay();
    const bundle = messages.en as Record<string, unknown>;
    const literal = new Set<string>();
    for (const file of sourceFiles(folder)) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/'(METADATA_SYNC(?:\.[A-Z0-9_]+)+)'/g)) literal.add(m[1]!);
    }
    expect(literal.size).to.be.greaterThan(40);
    // A callback's ?error= code picks its words under this prefix (OTHER for a code without its own).
    literal.delete('METADATA_SYNC.RETURN.ERRORS');
    const computed = [
      ...['ADMIN_APPROVAL_REQUIRED', 'PERSONAL_ACCOUNT', 'ACCESS_DENIED', 'ADMIN_CONSENT_DECLINED', 'SERVER_ERROR', 'OTHER'].map((k) => `METADATA_SYNC.RETURN.ERRORS.${k}`),
      ...PROVIDERS.flatMap((p) => [`METADATA_SYNC.PROVIDER.${providerKey(p)}.TITLE`, `METADATA_SYNC.PROVIDER.${providerKey(p)}.SIGN_IN`, `METADATA_SYNC.ENV.${providerKey(p)}`]),
      ...PROVIDERS.flatMap((p) => FEATURES[p].flatMap((f) => [`METADATA_SYNC.FEATURES.${featureKey(p, f)}.LABEL`, `METADATA_SYNC.FEATURES.${featureKey(p, f)}.HELP`])),
      ...['mail:inbox', 'mail:sentitems', 'calendar', 'gmail', 'google_calendar'].map((s) => sourceLabelKey(s)!),
      ...['pending', 'running', 'idle', 'throttled', 'error'].flatMap((s) => [statusBadge(s, null).key, statusBadge(s, 'x').key]),
      ...[['email', 'inbound'], ['email', 'outbound'], ['meeting', 'inbound']].map(([k, d]) => interactionLabelKey(k!, d!)),
      ...['COPIED', 'COPY_FAILED'].map((k) => `METADATA_SYNC.ADMIN_CONSENT.${k}`),
      ...['EMAIL_REQUIRED', 'EMAIL_INVALID', 'OWN_MAILBOX', 'DUPLICATE'].map((k) => `METADATA_SYNC.SHARED.ERRORS.${k}`),
    ];
    const missing = [...literal, ...computed].filter((key) => typeof lookup(bundle, key) !== 'string');
    expect(missing).to.deep.equal([]);
  });
});
