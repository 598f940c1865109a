// A worker process that only watches mailboxes (the IMAP IDLE manager) under the Redis prefix given as
// argv[2], with the lease given as argv[3]; it prints the channels it holds, one JSON line per change.
// The mailbox-lease tests kill it with SIGKILL, so it never releases anything.
import { createRuntime } from '../../../server/src/runtime.js';
import { testConfig } from '../../support/runtime.js';

const rt = await createRuntime(testConfig({ REDIS_PREFIX: process.argv[2], IMAP_MAILBOX_LEASE_MS: process.argv[3] }));
const idle = rt.api.emailReceive.idle;
await idle.start();
let last = '';
setInterval(() => {
  const now = JSON.stringify(idle.watching().sort((a, b) => a - b));
  if (now !== last) process.stdout.write(`${now}\n`);
  last = now;
}, 100);
