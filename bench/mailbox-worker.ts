// A worker process for mailboxes.bench.ts (`node --import tsx`, forked with IPC): the real worker role
// (every job, the schedules, the IMAP IDLE manager) under the bench's configuration; it reports its RSS
// before and after it starts, then what it holds every 500 ms. The bench kills it with SIGKILL.
import { createRuntime } from '../server/src/runtime.js';
import { benchConfig } from './bench-runtime.js';

const rt = await createRuntime(benchConfig(process.argv[2]!));
const send = (message: object) => {
  if (process.connected) process.send?.(message);
};
send({ type: 'booted', rss: process.memoryUsage().rss });
const idle = rt.api.emailReceive.idle;
setInterval(() => send({ type: 'state', watching: idle.watching(), idling: idle.idling().length, rss: process.memoryUsage().rss }), 500);
await rt.startWorkers();
process.once('SIGTERM', () => void rt.close().finally(() => process.exit(0)));
