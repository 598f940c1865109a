import { Router } from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { requireSuperAdmin } from '../api/auth.js';
import type { JobQueues } from './queues.js';

/** bull-board for installation administrators: queues, failed jobs with their errors, retry. */
export function jobsDashboard(queues: JobQueues): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath('/admin/jobs');
  createBullBoard({ queues: queues.allQueues().map((q) => new BullAdapter(q)), serverAdapter: adapter });
  const router = Router();
  router.use(requireSuperAdmin, adapter.getRouter());
  return router;
}
