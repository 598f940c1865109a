// The Add-inbox wizard's logic (client/src/features/inbox-wizard): the step rail follows the routes,
// IMAP and SMTP are independent, and each enabled leg is checked in order before anything is created.
import { expect } from 'chai';
import { oauthErrorCode, oauthErrorKey } from '../../client/src/features/inbox-wizard/oauth-return.js';
import { stepStates } from '../../client/src/features/inbox-wizard/steps.js';
import { channelParams, emptyForm, fieldErrors, legsToCheck, runLegChecks, type Leg, type LegState } from '../../client/src/features/inbox-wizard/imap-smtp.js';

describe('client: inbox wizard', () => {
  it('reads an OAuth callback\'s ?error= as a code for its own words, never as text to show', () => {
    expect(oauthErrorCode({ error: 'access_denied', message: 'Call +1 555 0100 to unlock your mailbox' })).to.equal('access_denied');
    expect(oauthErrorCode({ error: ['mailbox_in_use', 'x'] })).to.equal('mailbox_in_use');
    expect(oauthErrorCode({ error: 'Your mailbox is locked: call +1 555 0100' })).to.equal('unknown');
    expect(oauthErrorCode({ error: '' })).to.equal(null);
    expect(oauthErrorCode({})).to.equal(null);
    const known = new Set(['W.ACCESS_DENIED']);
    expect(oauthErrorKey('W', 'access_denied', (k) => known.has(k))).to.equal('W.ACCESS_DENIED');
    expect(oauthErrorKey('W', 'unknown', (k) => known.has(k))).to.equal('W.OTHER');
  });

  it('marks the steps before the current route done and those after it upcoming', () => {
    const states = (name: string) => stepStates(name).map((s) => `${s.key}:${s.state}`);
    expect(states('inbox-new')).to.deep.equal(['CHANNEL:current', 'INBOX:upcoming', 'AGENTS:upcoming', 'FINISH:upcoming']);
    expect(states('inbox-new-email-provider')).to.deep.equal(['CHANNEL:done', 'INBOX:current', 'AGENTS:upcoming', 'FINISH:upcoming']);
    expect(states('inbox-new-api')).to.deep.equal(['CHANNEL:done', 'INBOX:current', 'AGENTS:upcoming', 'FINISH:upcoming']);
    expect(states('inbox-new-agents')).to.deep.equal(['CHANNEL:done', 'INBOX:done', 'AGENTS:current', 'FINISH:upcoming']);
    expect(states('inbox-new-finish')).to.deep.equal(['CHANNEL:done', 'INBOX:done', 'AGENTS:done', 'FINISH:current']);
    expect(states('settings-agents').every((s) => s.endsWith(':upcoming'))).to.equal(true);
  });

  it('sends only the enabled legs\' fields; logins default to the address', () => {
    const form = emptyForm();
    Object.assign(form, { name: 'Support', email: ' support@example.test ' });
    Object.assign(form.imap, { address: 'imap.example.test', port: 143, password: 'p1', ssl: false });
    form.smtp.enabled = false;
    expect(channelParams(form)).to.deep.equal({
      type: 'email', email: 'support@example.test', imap_enabled: true, smtp_enabled: false,
      imap_address: 'imap.example.test', imap_port: 143, imap_login: 'support@example.test', imap_password: 'p1', imap_enable_ssl: false, backfill_days: 7,
    });
    form.imap.enabled = false;
    Object.assign(form.smtp, { enabled: true, address: 'smtp.example.test', login: 'relay', password: 'p2', security: 'ssl_tls' });
    expect(channelParams(form)).to.deep.equal({
      type: 'email', email: 'support@example.test', imap_enabled: false, smtp_enabled: true,
      smtp_address: 'smtp.example.test', smtp_port: 587, smtp_login: 'relay', smtp_password: 'p2', smtp_enable_starttls_auto: false, smtp_enable_ssl_tls: true,
    });
  });

  it('checks inbound, then outbound, then a round trip only when both are on', () => {
    const on = { enabled: true }, off = { enabled: false };
    expect(legsToCheck({ imap: { ...emptyForm().imap, ...on }, smtp: { ...emptyForm().smtp, ...on } })).to.deep.equal(['imap', 'smtp', 'round_trip']);
    expect(legsToCheck({ imap: { ...emptyForm().imap, ...off }, smtp: { ...emptyForm().smtp, ...on } })).to.deep.equal(['smtp']);
    expect(legsToCheck({ imap: { ...emptyForm().imap, ...on }, smtp: { ...emptyForm().smtp, ...off } })).to.deep.equal(['imap']);
  });

  it('stops at the first failing leg and puts the server\'s message on the field it names', async () => {
    const checked: Leg[] = [];
    const states: string[] = [];
    const refusal = Object.assign(new Error('Validation failed'), { fields: [{ path: 'channel.smtp_password', message: 'Authentication failed: 535 bad credentials' }] });
    const failure = await runLegChecks(
      ['imap', 'smtp', 'round_trip'],
      async (leg) => {
        checked.push(leg);
        if (leg === 'smtp') throw refusal;
      },
      (leg, s: LegState) => states.push(`${leg}:${s.status}`),
    );
    expect(checked).to.deep.equal(['imap', 'smtp']);
    expect(failure).to.deep.equal({ leg: 'smtp', message: 'Authentication failed: 535 bad credentials', fields: { smtp_password: 'Authentication failed: 535 bad credentials' } });
    expect(states).to.deep.equal(['imap:pending', 'smtp:pending', 'round_trip:pending', 'imap:running', 'imap:ok', 'smtp:running', 'smtp:failed']);
    expect(await runLegChecks(['imap'], async () => undefined, () => undefined)).to.equal(null);
    // A failure without field paths (network) still carries the message for the leg's row.
    expect(await runLegChecks(['imap'], async () => { throw new Error('connect ECONNREFUSED'); }, () => undefined)).to.deep.equal({ leg: 'imap', message: 'connect ECONNREFUSED', fields: {} });
  });

  it('keeps the first message per field and drops the channel prefix', () => {
    expect(fieldErrors([{ path: 'channel.imap_port', message: 'is too big' }, { path: 'channel.imap_port', message: 'second' }, { path: 'name', message: 'is required' }]))
      .to.deep.equal({ imap_port: 'is too big', name: 'is required' });
    expect(fieldErrors(undefined)).to.deep.equal({});
  });
});
