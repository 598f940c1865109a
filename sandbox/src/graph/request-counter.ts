// Counts every Graph response by status and by addressed mailbox, so benchmarks can report requests
// per message and how many were throttled.
import type { NextFunction, Request, Response } from 'express';

export interface RequestCounts {
  total: number;
  byStatus: Record<string, number>;
  byMailbox: Record<string, number>;
}

export class RequestCounter {
  private counts: RequestCounts = { total: 0, byStatus: {}, byMailbox: {} };

  snapshot(): RequestCounts {
    return structuredClone(this.counts);
  }

  reset(): void {
    this.counts = { total: 0, byStatus: {}, byMailbox: {} };
  }

  /** Middleware recording the response when it is finished; `mailbox(res)` names the addressed mailbox, if any. */
  middleware(mailbox: (res: Response) => string | undefined) {
    return (_req: Request, res: Response, next: NextFunction): void => {
      res.once('finish', () => {
        const status = String(res.statusCode);
        this.counts.total += 1;
        this.counts.byStatus[status] = (this.counts.byStatus[status] ?? 0) + 1;
        const address = mailbox(res);
        if (address) this.counts.byMailbox[address] = (this.counts.byMailbox[address] ?? 0) + 1;
      });
      next();
    };
  }
}
