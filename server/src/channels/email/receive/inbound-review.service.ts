import type { Readable } from 'node:stream';
import { Op } from 'sequelize';
import { z } from 'zod';
import type { AccountScope } from '../../../services/account-scope.js';
import { pageParam, parse } from '../../../lib/validation.js';
import { ConflictError, NotFoundError } from '../../../lib/errors.js';
import type { BlobStorage } from '../../../lib/storage.js';
import type { ChannelEmail, Inbox } from '../../../models/index.js';
import type { InboxService } from '../../../services/inboxes.service.js';
import type { EmailIngestionService } from './email-ingestion.service.js';
import type { IngestResult } from './inbound-email.repository.js';
import { InboundEmail, type InboundStatus } from './receive.model.js';

/** What became no message: turned away, still failing, or filed apart on purpose. */
export const REVIEW_STATUSES = ['rejected', 'failed', 'filed'] as const satisfies readonly InboundStatus[];
export const REVIEW_PAGE_SIZE = 25;

const listParams = z.object({ page: pageParam, status: z.enum(REVIEW_STATUSES).optional() });

/**
 * The inbox Health tab's list of inbound emails that did not become a message, with their kept raw
 * MIME and the administrator's two ways out: retry the pipeline, or import anyway.
 */
export class InboundReview {
  constructor(private readonly deps: { inboxes: InboxService; ingestion: EmailIngestionService; storage: BlobStorage }) {}

  async list(scope: AccountScope, inboxId: number, query: unknown): Promise<{ rows: InboundEmail[]; count: number; counts: Record<string, number>; page: number }> {
    const inbox = await this.deps.inboxes.find(scope, inboxId);
    const { page, status } = parse(listParams, query);
    const where = { inbox_id: inbox.id, status: status ?? [...REVIEW_STATUSES] };
    const [{ rows, count }, grouped] = await Promise.all([
      InboundEmail.findAndCountAll({ where, order: [['updated_at', 'DESC'], ['id', 'DESC']], limit: REVIEW_PAGE_SIZE, offset: (page - 1) * REVIEW_PAGE_SIZE }),
      InboundEmail.count({ where: { inbox_id: inbox.id, status: [...REVIEW_STATUSES] }, group: ['status'] }),
    ]);
    const counts = Object.fromEntries(REVIEW_STATUSES.map((s) => [s, Number(grouped.find((g) => g.status === s)?.count ?? 0)]));
    return { rows, count, counts, page };
  }

  async raw(scope: AccountScope, inboxId: number, id: number): Promise<{ row: InboundEmail; open: () => Readable }> {
    const { row } = await this.find(scope, inboxId, id);
    return { row, open: () => this.deps.storage.get(row.storage_key!) };
  }

  /** `force`: "Import anyway"; otherwise "Retry". */
  async reprocess(scope: AccountScope, inboxId: number, id: number, force: boolean): Promise<IngestResult> {
    const { row, inbox } = await this.find(scope, inboxId, id);
    if (!(REVIEW_STATUSES as readonly string[]).includes(row.status)) throw new ConflictError(`This email is already ${row.status}`);
    return this.deps.ingestion.reprocess(row, inbox.channel as ChannelEmail, inbox, force);
  }

  private async find(scope: AccountScope, inboxId: number, id: number): Promise<{ row: InboundEmail; inbox: Inbox }> {
    const inbox = await this.deps.inboxes.find(scope, inboxId);
    const row = await InboundEmail.findOne({ where: { id, inbox_id: inbox.id, storage_key: { [Op.ne]: null } } });
    if (!row) throw new NotFoundError('Inbound email');
    return { row, inbox };
  }
}
