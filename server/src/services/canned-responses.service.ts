import { Op, literal } from 'sequelize';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { CannedResponse } from '../models/index.js';
import type { AccountScope } from './account-scope.js';
import { parse } from '../lib/validation.js';

/** Chatwoot's form: `{ short_code, content }`, or the same nested under `canned_response` (Rails' wrapping). */
const fields = {
  short_code: z.string({ message: 'must be a string' }).trim().min(1, 'is required').max(100).regex(/^\S+$/, 'must be one word (no spaces)'),
  content: z.string({ message: 'must be a string' }).min(1, 'is required').max(20_000),
};
const createParams = z.object(fields);
const updateParams = z.object(fields).partial();
const listParams = z.object({ search: z.string().max(200).optional() });

const unwrap = (body: Record<string, unknown>) => (body.canned_response && typeof body.canned_response === 'object' ? (body.canned_response as Record<string, unknown>) : body);

/** The account's saved replies: every agent lists and adds them, as in Chatwoot. */
export class CannedResponseService {
  /** All of them, or those whose short code or content contains `search` (short-code matches first, as Chatwoot orders). */
  async list(scope: AccountScope, query: unknown): Promise<CannedResponse[]> {
    const { search } = parse(listParams, query);
    const term = search?.trim();
    if (!term) return CannedResponse.findAll({ where: { account_id: scope.account.id }, order: [['short_code', 'ASC'], ['id', 'ASC']] });
    const like = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const escaped = CannedResponse.sequelize!.escape(like);
    return CannedResponse.findAll({
      where: { account_id: scope.account.id, [Op.or]: [{ short_code: { [Op.iLike]: like } }, { content: { [Op.iLike]: like } }] },
      order: [[literal(`short_code ILIKE ${escaped}`), 'DESC'], ['short_code', 'ASC'], ['id', 'ASC']],
    });
  }

  async create(scope: AccountScope, body: Record<string, unknown>): Promise<CannedResponse> {
    const attrs = parse(createParams, unwrap(body));
    return this.saving(() => CannedResponse.create({ account_id: scope.account.id, ...attrs }));
  }

  async update(scope: AccountScope, id: number, body: Record<string, unknown>): Promise<CannedResponse> {
    const attrs = parse(updateParams, unwrap(body));
    const row = await this.find(scope, id);
    return this.saving(() => row.update(attrs));
  }

  async destroy(scope: AccountScope, id: number): Promise<void> {
    await (await this.find(scope, id)).destroy();
  }

  private async find(scope: AccountScope, id: number): Promise<CannedResponse> {
    const row = await CannedResponse.findOne({ where: { id, account_id: scope.account.id } });
    if (!row) throw new NotFoundError('Canned response');
    return row;
  }

  private async saving(write: () => Promise<CannedResponse>): Promise<CannedResponse> {
    try {
      return await write();
    } catch (err) {
      if ((err as Error).name === 'SequelizeUniqueConstraintError') throw ValidationError.field('short_code', 'has already been taken');
      throw err;
    }
  }
}
