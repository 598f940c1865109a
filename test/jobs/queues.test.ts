import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Registries } from '../../server/src/extensions/registries.js';
import { JobQueues } from '../../server/src/jobs/queues.js';
import { createLogger } from '../../server/src/lib/logger.js';
import { createAccount, createUser, addToAccount } from '../support/factories.js';
import { http, runtime } from '../support/runtime.js';

const logger = createLogger({ level: 'silent' });
const waitFor = async (fn: () => Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** A private set of queues on the real Redis, under a prefix of its own. */
function queuesWith(setup: (r: Registries) => void): JobQueues {
  const registries = new Registries();
  setup(registries);
  registries.seal();
  return new JobQueues('redis://127.0.0.1:6379', `leadchat-test:${randomUUID().slice(0, 8)}`, registries.jobs, registries.schedules, logger);
}

describe('job queues (bull on the real Redis)', function () {
  this.timeout(20_000);

  it('processes an enqueued job in the worker with its data', async () => {
    const seen: unknown[] = [];
    const queues = queuesWith((r) => r.jobs.register({ id: 'test.echo', process: async (data: unknown) => void seen.push(data) }, 'test'));
    try {
      queues.startWorkers();
      await queues.enqueue('test.echo', { hello: 'world' });
      await waitFor(async () => seen.length === 1);
      expect(seen).to.deep.equal([{ hello: 'world' }]);
    } finally {
      await queues.close();
    }
  });

  it('drains on shutdown: close() waits for the active job to finish', async () => {
    const events: string[] = [];
    const queues = queuesWith((r) =>
      r.jobs.register({ id: 'test.slow', process: async () => { events.push('started'); await new Promise((res) => setTimeout(res, 400)); events.push('finished'); } }, 'test'),
    );
    queues.startWorkers();
    await queues.enqueue('test.slow', {});
    await waitFor(async () => events.includes('started'));
    await queues.close();
    events.push('closed');
    expect(events).to.deep.equal(['started', 'finished', 'closed']);
  });

  it('keeps failed jobs with their reason after the last attempt', async () => {
    const queues = queuesWith((r) =>
      r.jobs.register({ id: 'test.broken', defaults: { attempts: 2, backoff: 10 }, process: async () => { throw new Error('provider said no'); } }, 'test'),
    );
    try {
      queues.startWorkers();
      await queues.enqueue('test.broken', {});
      await waitFor(async () => (await queues.queue('test.broken').getFailed()).length === 1);
      const [failed] = await queues.queue('test.broken').getFailed();
      expect(failed.failedReason).to.equal('provider said no');
      expect(failed.attemptsMade).to.equal(2);
    } finally {
      await queues.close();
    }
  });

  it('reconciles repeatable schedules with the registry: adds new ones and removes stale ones', async () => {
    const prefix = `leadchat-test:${randomUUID().slice(0, 8)}`;
    const build = (withSchedule: boolean) => {
      const r = new Registries();
      r.jobs.register({ id: 'test.tick', process: async () => undefined }, 'test');
      if (withSchedule) r.schedules.register({ id: 'test.tick.hourly', job: 'test.tick', every: 3_600_000 }, 'test');
      r.seal();
      return new JobQueues('redis://127.0.0.1:6379', prefix, r.jobs, r.schedules, logger);
    };
    const first = build(true);
    await first.syncSchedules();
    await first.syncSchedules();
    const repeatables = await first.queue('test.tick').getRepeatableJobs();
    expect(repeatables.map((j) => [j.id, Number(j.every)])).to.deep.equal([['test.tick.hourly', 3_600_000]]);
    await first.close();

    const second = build(false);
    await second.syncSchedules();
    expect(await second.queue('test.tick').getRepeatableJobs()).to.deep.equal([]);
    await second.close();
  });
});

describe('schedules survive losing Redis\'s data', function () {
  this.timeout(20_000);
  const build = (prefix: string) => {
    const r = new Registries();
    r.jobs.register({ id: 'test.sweep', process: async () => undefined }, 'test');
    r.schedules.register({ id: 'test.sweep.minutely', job: 'test.sweep', every: 60_000 }, 'test');
    r.schedules.register({ id: 'test.sweep.fast', job: 'test.sweep', every: 200 }, 'test');
    r.seal();
    return new JobQueues('redis://127.0.0.1:6379', prefix, r.jobs, r.schedules, logger);
  };
  const wipe = async (prefix: string) => {
    const redis = new Redis('redis://127.0.0.1:6379');
    try {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  };

  it('a worker re-creates the schedules a flush removed, and health names them as missing until then', async () => {
    const prefix = `leadchat-test:${randomUUID().slice(0, 8)}`;
    const queues = build(prefix);
    try {
      await queues.syncSchedules();
      expect((await queues.scheduleHealth()).missing).to.deep.equal([]);
      await wipe(prefix);
      expect((await queues.scheduleHealth()).missing).to.deep.equal(['test.sweep.minutely', 'test.sweep.fast']);
      queues.watchSchedules(100);
      await waitFor(async () => (await queues.scheduleHealth()).missing.length === 0);
      const repeatables = await queues.queue('test.sweep').getRepeatableJobs();
      expect(repeatables.map((j) => [j.id, Number(j.every)]).sort()).to.deep.equal([['test.sweep.fast', 200], ['test.sweep.minutely', 60_000]]);
    } finally {
      await queues.close();
      await wipe(prefix);
    }
  });

  it('names a schedule whose job has stopped running as stale', async () => {
    const prefix = `leadchat-test:${randomUUID().slice(0, 8)}`;
    const queues = build(prefix);
    try {
      queues.startWorkers();
      await queues.syncSchedules();
      await waitFor(async () => (await queues.scheduleHealth()).stale.length === 0 && (await queues.queue('test.sweep').getCompletedCount()) > 0);
      // Three intervals and a minute later without a run: nothing processes it any more.
      expect((await queues.scheduleHealth(Date.now() + 3 * 200 + 61_000)).stale).to.deep.equal(['test.sweep.fast']);
    } finally {
      await queues.close();
      await wipe(prefix);
    }
  });
});

describe('core jobs', function () {
  this.timeout(20_000);

  it('reopens snoozed conversations whose time has come, and leaves the others', async () => {
    const rt = await runtime();
    const { Account, Contact, Inbox, ChannelEmail, Conversation } = rt.models;
    const account = await Account.create({ name: 'Snooze Co' });
    const channel = await ChannelEmail.create({ account_id: account.id, email: `snooze.${randomUUID().slice(0, 6)}@example.test`, forward_to_email: `${randomUUID()}@reply.test` });
    const inbox = await Inbox.create({ account_id: account.id, name: 'x', channel_type: 'Channel::Email', channel_id: channel.id });
    const contact = await Contact.create({ account_id: account.id, name: 'C' });
    const make = (display_id: number, snoozed_until: Date) => Conversation.create({ account_id: account.id, inbox_id: inbox.id, contact_id: contact.id, display_id, status: 'snoozed', snoozed_until });
    const due = await make(1, new Date(Date.now() - 60_000));
    const later = await make(2, new Date(Date.now() + 3_600_000));

    const job = rt.registries.jobs.get('conversations.reopen_snoozed')!;
    const result = await job.process({} as never, {} as never);
    expect(result).to.deep.equal({ reopened: 1 });
    await due.reload();
    await later.reload();
    expect([due.status, due.snoozed_until]).to.deep.equal(['open', null]);
    expect(later.status).to.equal('snoozed');
  });

  it('is scheduled every minute through the schedule registry', async () => {
    const rt = await runtime();
    expect(rt.registries.schedules.get('conversations.reopen_snoozed.every_minute')).to.include({ job: 'conversations.reopen_snoozed', every: 60_000 });
  });
});

describe('job dashboard', () => {
  it('is open to installation administrators only', async () => {
    const api = await http();
    const account = await createAccount();
    await api.get('/admin/jobs').set('api_access_token', account.admin.token).expect(403);
    await api.get('/admin/jobs').expect(401);
    const operator = await createUser('Operator', { type: 'SuperAdmin' });
    await addToAccount(account.id, operator, 'administrator');
    const res = await api.get('/admin/jobs').set('api_access_token', operator.token);
    expect(res.status).to.equal(200);
    expect(res.text).to.contain('<div id="root">');
  });
});
