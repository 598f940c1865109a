// A LeadChat process for the graph receive tests: its own runtime (own Redis prefix, shared test
// database), graph receive built with the sandbox GraphClients, its public routes served on a real
// loopback port (the sandbox posts validation requests and notifications there) and its jobs
// processed by bull workers on that prefix.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import Bull, { type JobOptions, type Queue } from 'bull';
import express, { Router } from 'express';
import supertest from 'supertest';
import { createGraphReceive, type GraphReceiveParts } from '../../server/microsoft-shared/graph/index.js';
import { startSecondRuntime, type TestAccount } from '../../../../test/support/factories.js';
import { clearRedisPrefix } from '../../../../test/support/runtime.js';
import type { TestSandbox } from '../../../../test/sandbox/helpers.js';
import { sandboxGraphClients } from './sandbox-graph-clients.js';

type Runtime = Awaited<ReturnType<typeof startSecondRuntime>>;

/** bull queues keyed by job id, as the core's JobQueues makes them, for the graph jobs only. */
class GraphQueues {
  private readonly queues = new Map<string, Queue>();
  parts?: GraphReceiveParts;
  constructor(private readonly redisUrl: string, private readonly prefix: string) {}

  queue(id: string): Queue {
    let q = this.queues.get(id);
    if (!q) {
      const def = this.parts?.jobs.find((j) => j.id === id);
      if (!def) throw new Error(`No job registered with id "${id}"`);
      q = new Bull(id, this.redisUrl, { prefix: `${this.prefix}:bull`, defaultJobOptions: { removeOnFail: 100, ...def.defaults } });
      this.queues.set(id, q);
    }
    return q;
  }

  async enqueue<D>(id: string, data: D, opts?: JobOptions): Promise<void> {
    await this.queue(id).add(data, opts);
  }

  start(): void {
    for (const def of this.parts!.jobs) this.queue(def.id).process(def.concurrency ?? 1, (job) => def.process(job.data as never, job as never));
  }

  /** Resolves when no job of the given queue is waiting, delayed or active. */
  async idle(id: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = await this.queue(id).getJobCounts();
      if (c.waiting + c.active + c.delayed === 0) return;
      if (Date.now() > deadline) throw new Error(`queue ${id} still busy: ${JSON.stringify(c)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  close(): Promise<unknown> {
    return Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}

export interface GraphHarness {
  rt: Runtime;
  sb: TestSandbox;
  queues: GraphQueues;
  clients: ReturnType<typeof sandboxGraphClients>;
  baseUrl: string;
  api: () => supertest.Agent;
  /** The graph_full channel for a shared mailbox, created the way the connect flow ends (no HTTP create exists). */
  createInbox(account: TestAccount, mailbox: string, delegate: string): Promise<{ inboxId: number; channelId: number }>;
  run<D>(jobId: string, data: D): Promise<unknown>;
  /** Takes the webhook off the network (a LeadChat outage as Graph sees it) and back on the same port. */
  pauseWebhook(): Promise<void>;
  resumeWebhook(): Promise<void>;
  close(): Promise<void>;
}

export async function startGraphHarness(sb: TestSandbox): Promise<GraphHarness> {
  const prefix = `leadchat-test-graph-${randomUUID().slice(0, 8)}`;
  const rt = await startSecondRuntime({
    REDIS_PREFIX: prefix, MICROSOFT_CLIENT_ID: sb.world.microsoft.apps[0]!.clientId, MICROSOFT_AUTHORITY: sb.world.microsoft.authority,
  });
  const queues = new GraphQueues(rt.config.REDIS_URL, prefix);
  const publicRoutes = Router();
  const server = http.createServer(express().use(publicRoutes));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  const clients = sandboxGraphClients(sb);
  const email = { ingestion: rt.api.emailReceive.ingestion, createInbox: rt.api.inboxes.createWithChannel.bind(rt.api.inboxes), providerFor: rt.registries.providerFor.bind(rt.registries), reauthorization: rt.api.reauthorization, notifyAdministrators: rt.api.notifications.notifyAdministrators.bind(rt.api.notifications) };
  const parts = createGraphReceive({ ...rt, email, queues }, clients, { publicBaseUrl: baseUrl });
  queues.parts = parts;
  for (const r of parts.routes.filter((x) => x.mount === 'public')) publicRoutes.use(r.router);
  queues.start();
  const tenant = sb.world.microsoft;
  return {
    rt, sb, queues, clients, baseUrl,
    api: () => supertest.agent(rt.app),
    async createInbox(account, mailbox, delegate) {
      const user = tenant.users.find((u) => u.upn === delegate)!;
      const inbox = await rt.api.inboxes.createWithChannel(account.id, {
        email: mailbox, provider: 'microsoft_shared',
        provider_config: { transport: 'graph_full', tenant_id: tenant.tenantId, delegate_upn: delegate, delegate_oid: user.id },
      }, { name: `Shared ${mailbox}` });
      return { inboxId: inbox.id, channelId: inbox.channel_id };
    },
    async run(jobId, data) {
      const def = parts.jobs.find((j) => j.id === jobId)!;
      return def.process(data as never, { id: `test-${randomUUID()}`, data } as never);
    },
    async pauseWebhook() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
    async resumeWebhook() {
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    },
    async close() {
      await queues.close();
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((r) => server.close(() => r()));
      await rt.close();
      await clearRedisPrefix(rt.config);
    },
  };
}
