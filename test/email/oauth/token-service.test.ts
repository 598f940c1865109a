// Refresh before expiry against the sandbox's Entra ID, which rotates refresh tokens and answers
// invalid_grant to a reused one — so a lost rotation or an unserialised refresh shows up as a failure.
import { expect } from 'chai';
import { OAuthTokenService } from '../../../server/src/channels/email/oauth/oauth-token.service.js';
import type { ChannelEmail } from '../../../server/src/models/index.js';
import { createAccount } from '../../support/factories.js';
import { controlFetch, imapConnect } from '../../sandbox/helpers.js';
import { consent, pathOf, startOAuthTestbed, storedTokens, type OAuthTestbed } from './oauth-testbed.js';

describe('email OAuth: token service', function () {
  this.timeout(30_000);
  let bed: OAuthTestbed;
  let channel: ChannelEmail;
  const reload = async () => (await bed.rt.models.ChannelEmail.findByPk(channel.id))!;
  const expiresAt = (c: ChannelEmail) => Date.parse(String(c.provider_config.token_expires_at));

  before(async () => {
    bed = await startOAuthTestbed();
    // Tokens live 2 minutes: less than the 5-minute margin, so every use must refresh.
    await controlFetch(bed.sb, 'POST', '/tokens/lifetime', { seconds: 120 });
    await bed.disconnect('bob@contoso.test');
    const account = await createAccount();
    const { body } = await bed.api.post(`/api/v1/accounts/${account.id}/microsoft/authorization`).set('api_access_token', account.admin.token).send({}).expect(200);
    await bed.api.get(pathOf(await consent(body.url, 'bob@contoso.test', 'bob-pass'))).expect(302);
    channel = (await bed.rt.models.ChannelEmail.findOne({ where: { email: 'bob@contoso.test' } }))!;
  });
  after(async () => {
    if (bed) await controlFetch(bed.sb, 'POST', '/tokens/lifetime', { seconds: 3600 });
    await bed?.close();
  });

  it('refreshes a token with less than 5 minutes left and saves the rotated refresh token, encrypted', async () => {
    const before = storedTokens(bed.rt, channel);
    expect(expiresAt(channel) - Date.now()).to.be.below(5 * 60_000);
    const fresh = await bed.rt.api.emailOAuth.tokens.accessToken(channel);
    expect(fresh).to.not.equal(before.access_token);
    const row = await reload();
    const after = storedTokens(bed.rt, row);
    expect(after.access_token).to.equal(fresh);
    expect(after.refresh_token, 'rotated refresh token saved').to.not.equal(before.refresh_token);
    expect(row.provider_secrets_ciphertext).to.not.contain(after.refresh_token);
    const imap = await imapConnect(bed.sb, { user: 'bob@contoso.test', accessToken: fresh });
    await imap.logout();
  });

  it('serialises concurrent refreshes of one channel, within a process and across processes', async () => {
    // A second service instance stands for another web or worker process: only the Redis lock is shared.
    const otherProcess = new OAuthTokenService({
      redis: bed.rt.redis, prefix: bed.rt.config.REDIS_PREFIX, secrets: bed.rt.secrets, logger: bed.rt.logger, reauthorization: bed.rt.api.reauthorization,
      refreshers: Object.fromEntries(bed.rt.api.emailOAuth.mailboxes.map((m) => [m.definition.id, m.client])),
    });
    const services = [bed.rt.api.emailOAuth.tokens, otherProcess];
    const row = await reload();
    const sameProcess = await Promise.all([1, 2, 3, 4].map(() => services[0]!.accessToken(row)));
    expect(new Set(sameProcess).size, 'concurrent callers in one process share one refresh').to.equal(1);

    // Unserialised, all but one of these would redeem an already-rotated refresh token: invalid_grant.
    const tokens = await Promise.all(Array.from({ length: 8 }, async (_, i) => services[i % 2]!.accessToken(await reload())));
    expect(tokens.every((t) => t.startsWith('ey'))).to.equal(true);
    const latest = await reload();
    expect(latest.reauthorization_required_at).to.equal(null);
    expect(tokens).to.include(storedTokens(bed.rt, latest).access_token);
  });

  it('uses the stored token while more than 5 minutes are left', async () => {
    await controlFetch(bed.sb, 'POST', '/tokens/lifetime', { seconds: 3600 });
    const long = await bed.rt.api.emailOAuth.tokens.accessToken(await reload());
    const row = await reload();
    expect(expiresAt(row) - Date.now()).to.be.above(50 * 60_000);
    expect(await bed.rt.api.emailOAuth.tokens.accessToken(row)).to.equal(long);
    expect(await bed.rt.api.emailOAuth.tokens.accessToken(await reload())).to.equal(long);
    expect(storedTokens(bed.rt, await reload()).access_token).to.equal(long);
  });
});
