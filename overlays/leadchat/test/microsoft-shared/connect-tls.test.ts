// The IMAP transports' connect flow with the product configured exactly as `npm start` configures it
// (scripts/product-env.ts: the sandbox's implicit-TLS IMAP port with MICROSOFT_IMAP_TLS=implicit), and
// with the TLS mode or the port wrong: the wizard answers within seconds and names what to change.
import net from 'node:net';
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { productEnv } from '../../../../scripts/product-env.js';
import { eventually, mailboxOrFullAccessMessage, overlayEnabled, startSharedTestbed, SUPPORT, type SharedTestbed } from './shared-testbed.js';

const IMAP_TRANSPORTS = ['imap_smtp', 'imap_leadmail'] as const;
const launchEnv = (world: SharedTestbed['sb']['world']): NodeJS.ProcessEnv => ({ ...productEnv(world), NODE_EXTRA_CA_CERTS: undefined });

const formError = (url: URL) => ({ error: url.searchParams.get('error'), message: url.searchParams.get('message') });

/** The callback's redirect and how long the callback (where access is checked) took. */
async function timedConnect(bed: SharedTestbed, user: string, body: Record<string, unknown>): Promise<{ back: URL; ms: number }> {
  const t0 = Date.now();
  const back = await bed.connect(user, body);
  return { back, ms: Date.now() - t0 };
}

describe('microsoft_shared connect over IMAP with the settings npm start uses (sandbox)', function () {
  this.timeout(60_000);
  let bed: SharedTestbed;
  before(async function () {
    if (!overlayEnabled()) return this.skip();
    bed = await startSharedTestbed({ env: launchEnv });
  });
  after(async () => bed?.close());
  afterEach(async () => bed?.disconnect());

  const cursorSet = async (channelId: number) =>
    (await bed.rt.sequelize.query('SELECT 1 FROM email_fetch_cursors WHERE channel_id = :channelId', { replacements: { channelId }, type: QueryTypes.SELECT })).length > 0;

  for (const transport of IMAP_TRANSPORTS) {
    it(`${transport}: alice connects; the channel records implicit TLS for IMAP and the fetch reads the mailbox`, async () => {
      const { back } = await timedConnect(bed, 'alice@contoso.test', { email: SUPPORT, transport });
      expect(back.pathname).to.match(/\/settings\/inboxes\/\d+\/agents$/);
      const channel = (await bed.channel())!;
      const { world } = bed.sb;
      expect(channel).to.include({ imap_port: world.imap.tlsPort, imap_enable_ssl: true });
      if (transport === 'imap_smtp') expect(channel).to.include({ smtp_port: world.smtp.port, smtp_enable_ssl_tls: false, smtp_enable_starttls_auto: true });
      await eventually(() => cursorSet(channel.id), 10_000);
    });

    it(`${transport}: bob (no Full Access) hears within seconds that the mailbox is missing or not his to open`, async () => {
      const { back, ms } = await timedConnect(bed, 'bob@contoso.test', { email: SUPPORT, transport });
      expect(formError(back)).to.deep.equal({ error: 'mailbox_not_found_or_no_full_access', message: mailboxOrFullAccessMessage('bob@contoso.test', SUPPORT) });
      expect(ms).to.be.below(3_000);
      expect(await bed.channel()).to.equal(null);
    });

    it(`${transport}: a typo in the shared mailbox's address names that address with both possibilities`, async () => {
      const { back } = await timedConnect(bed, 'alice@contoso.test', { email: 'suport@contoso.test', transport });
      expect(formError(back)).to.deep.equal({ error: 'mailbox_not_found_or_no_full_access', message: mailboxOrFullAccessMessage('alice@contoso.test', 'suport@contoso.test') });
      expect(await bed.rt.models.ChannelEmail.count({ where: { email: 'suport@contoso.test' } })).to.equal(0);
    });
  }

  it('graph_full: Graph tells a missing mailbox apart, so the typo gets the precise message', async () => {
    const { back } = await timedConnect(bed, 'alice@contoso.test', { email: 'suport@contoso.test', transport: 'graph_full' });
    expect(formError(back)).to.deep.equal({ error: 'mailbox_not_found', message: "suport@contoso.test is not a mailbox in contoso.test's Microsoft 365 tenant; check the address." });
  });

  describe('with a wrong TLS mode or port', () => {
    /** A runtime on the same sandbox with the launch settings changed; connects alice and returns the form's error and the time taken. */
    async function refusedWith(change: (world: SharedTestbed['sb']['world']) => NodeJS.ProcessEnv, transport: string) {
      const other = await startSharedTestbed({ sandbox: bed.sb, env: (world) => ({ ...launchEnv(world), ...change(world) }) });
      try {
        const { back, ms } = await timedConnect(other, 'alice@contoso.test', { email: SUPPORT, transport });
        expect(await other.channel()).to.equal(null);
        return { ...formError(back), ms };
      } finally {
        await other.close();
      }
    }

    const closedPort = () => new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });

    it('STARTTLS against the implicit-TLS port: fails within seconds, asking for MICROSOFT_IMAP_TLS=implicit', async () => {
      const got = await refusedWith(() => ({ MICROSOFT_IMAP_TLS: 'starttls' }), 'imap_leadmail');
      const port = bed.sb.world.imap.tlsPort;
      expect(got).to.deep.include({
        error: 'mail_server_settings',
        message: `Could not check access to ${SUPPORT}: this LeadChat installation's mail server settings need a change. Connected to 127.0.0.1:${port}, but the server sent no greeting — the port probably expects TLS from the first byte: set MICROSOFT_IMAP_TLS=implicit (or point MICROSOFT_IMAP_PORT at the STARTTLS port).`,
      });
      expect(got.ms).to.be.below(8_000);
    });

    it('implicit TLS against the STARTTLS port: fails at once, asking for MICROSOFT_IMAP_TLS=starttls', async () => {
      const got = await refusedWith((world) => ({ MICROSOFT_IMAP_PORT: String(world.imap.port) }), 'imap_smtp');
      expect(got.error).to.equal('mail_server_settings');
      expect(got.message).to.match(/^Could not check access to support@contoso\.test: .* Could not start TLS with 127\.0\.0\.1:\d+ \(.+\) — the port does not use TLS from the first byte: set MICROSOFT_IMAP_TLS=starttls \(or point MICROSOFT_IMAP_PORT at the implicit-TLS port, usually 993\)\.$/);
      expect(got.ms).to.be.below(3_000);
    });

    it('a closed IMAP port: fails at once, naming MICROSOFT_IMAP_PORT', async () => {
      const port = await closedPort();
      const got = await refusedWith(() => ({ MICROSOFT_IMAP_PORT: String(port) }), 'imap_leadmail');
      expect(got.message).to.equal(`Could not check access to ${SUPPORT}: this LeadChat installation's mail server settings need a change. Could not connect to 127.0.0.1:${port}: ECONNREFUSED — nothing accepts connections on port ${port}; check MICROSOFT_IMAP_PORT.`);
      expect(got.ms).to.be.below(3_000);
    });

    it('imap_smtp with implicit TLS against the STARTTLS SMTP port: fails at once, asking for MICROSOFT_SMTP_TLS=starttls', async () => {
      const got = await refusedWith(() => ({ MICROSOFT_SMTP_TLS: 'implicit' }), 'imap_smtp');
      expect(got.error).to.equal('mail_server_settings');
      expect(got.message).to.match(/set MICROSOFT_SMTP_TLS=starttls \(or point MICROSOFT_SMTP_PORT at the implicit-TLS port, usually 465\)\.$/);
      expect(got.ms).to.be.below(3_000);
    });
  });
});
