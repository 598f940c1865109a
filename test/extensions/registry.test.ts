import { expect } from 'chai';
import { Router } from 'express';
import { Registries } from '../../server/src/extensions/registries.js';
import { ConfigError } from '../../server/src/lib/errors.js';

describe('extension registries', () => {
  it('collects every duplicate id and reports them together when sealed', () => {
    const r = new Registries();
    r.emailProviders.register({ id: 'imap', label: 'IMAP', creatableViaApi: true }, 'core');
    r.emailProviders.register({ id: 'imap', label: 'Other IMAP', creatableViaApi: true }, 'acme');
    r.routes.register({ id: 'core.inboxes', mount: 'account', router: Router() }, 'core');
    r.routes.register({ id: 'core.inboxes', mount: 'account', router: Router() }, 'acme');
    r.schedules.register({ id: 'nightly', job: 'no_such_job', every: 1000 }, 'acme');
    let error: ConfigError | undefined;
    try {
      r.seal();
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).to.be.instanceOf(ConfigError);
    expect(error!.problems).to.deep.equal([
      'duplicate email provider id "imap": registered by core and again by acme',
      'duplicate route id "core.inboxes": registered by core and again by acme',
      'schedule "nightly" names unknown job "no_such_job"',
    ]);
  });

  it('is read-only once sealed', () => {
    const r = new Registries();
    r.seal();
    expect(() => r.deliveryMethods.register({ id: 'late', deliver: async () => ({}) }, 'acme')).to.throw(/sealed/);
  });

  it('resolves a channel to the first provider whose predicate accepts it, defaulting to the provider id', () => {
    const r = new Registries();
    r.emailProviders.register({ id: 'imap', label: 'IMAP', creatableViaApi: true }, 'core');
    r.emailProviders.register({ id: 'shared', label: 'Shared', creatableViaApi: false, matches: (c) => c.provider_config.shared === true }, 'acme');
    const channel = (provider: string, provider_config: Record<string, unknown> = {}) => ({ email: 'a@b.test', provider, provider_config });
    expect(r.providerFor(channel('imap'))?.id).to.equal('imap');
    expect(r.providerFor(channel('x', { shared: true }))?.id).to.equal('shared');
    expect(r.providerFor(channel('unknown'))).to.equal(undefined);
  });
});
