// A worker process that runs one `email.fetch` for a channel; the fetch tests kill it mid-way.
import { createRuntime } from '../../../server/src/runtime.js';
import { testConfig } from '../../support/runtime.js';

const rt = await createRuntime(testConfig());
const job = rt.registries.jobs.get('email.fetch')!;
await job.process({ channelId: Number(process.argv[2]) } as never, { id: 'child' } as never);
await rt.close();
