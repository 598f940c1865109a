// Graph delta query, for any collection that can list (id, version): the first round returns every
// item, later rounds (via @odata.deltaLink) what changed and what went away (@removed), paged with
// @odata.nextLink. A round's change list is computed once, from ids and versions only; its nextLinks
// stay valid (re-requestable) until the round is evicted, and its last page always carries the same
// deltaLink. State lives server-side under opaque tokens; forgetting it (reset, or the control API's
// "expire") makes old tokens answer 410 syncStateNotFound, which the product must survive.
import crypto from 'node:crypto';
import { GraphError } from './graph-errors.js';

export interface DeltaItem {
  id: string;
  version: string;
}

/** `updated`: the item was in the round's base snapshot with another version (only its state changed). */
export type DeltaEntry = { id: string; removed: boolean; updated: boolean };

interface Round {
  id: string;
  scope: string;
  entries: DeltaEntry[];
  snapshot: Map<string, string>;
  context: Record<string, unknown>;
  deltaToken: string;
}

interface Sync {
  scope: string;
  snapshot: Map<string, string>;
  context: Record<string, unknown>;
}

export interface DeltaPage {
  entries: DeltaEntry[];
  nextSkipToken?: string;
  deltaToken?: string;
  /** What the round was started with ($select, window...), carried by the tokens. */
  context: Record<string, unknown>;
}

/** Rounds kept per collection; older ones (and their nextLinks) are forgotten. */
const ROUNDS_PER_SCOPE = 4;

const token = (): string => crypto.randomBytes(18).toString('base64url');

export const syncStateNotFound = (): GraphError =>
  new GraphError(410, 'syncStateNotFound', 'The sync state generation is not found. Perform a full synchronization without a delta token.');

export class DeltaTracker {
  private syncs = new Map<string, Sync>();
  private rounds = new Map<string, Round>();

  /** Drops every delta state, as Exchange does after a while or a mailbox move. */
  expireAll(): void {
    this.syncs.clear();
    this.rounds.clear();
  }

  private startRound(scope: string, base: Map<string, string>, items: DeltaItem[], context: Record<string, unknown>): Round {
    const snapshot = new Map(items.map((i) => [i.id, i.version]));
    const entries: DeltaEntry[] = [];
    for (const id of base.keys()) if (!snapshot.has(id)) entries.push({ id, removed: true, updated: false });
    for (const i of items) {
      const before = base.get(i.id);
      if (before !== i.version) entries.push({ id: i.id, removed: false, updated: before !== undefined });
    }
    const round: Round = { id: token(), scope, entries, snapshot, context, deltaToken: token() };
    const ofScope = [...this.rounds.values()].filter((r) => r.scope === scope);
    for (const old of ofScope.slice(0, Math.max(0, ofScope.length - ROUNDS_PER_SCOPE + 1))) this.rounds.delete(old.id);
    this.rounds.set(round.id, round);
    return round;
  }

  /**
   * `scope` names the collection (mailbox + folder, or user calendar), `current` lists its ids and
   * versions now (called only when a round starts). Exactly one of deltaToken / skipToken may be
   * given; neither starts a full round with `context`.
   */
  async page(o: {
    scope: string;
    current: (context: Record<string, unknown>) => Promise<DeltaItem[]>;
    deltaToken?: string;
    skipToken?: string;
    pageSize: number;
    context: Record<string, unknown>;
  }): Promise<DeltaPage> {
    let round: Round;
    let offset = 0;
    if (o.skipToken) {
      const [roundId = '', at = ''] = o.skipToken.split('.');
      const found = this.rounds.get(roundId);
      offset = Number(at);
      if (!found || found.scope !== o.scope || !Number.isInteger(offset) || offset < 0) throw syncStateNotFound();
      round = found;
    } else {
      let base = new Map<string, string>();
      let context = o.context;
      if (o.deltaToken) {
        const s = this.syncs.get(o.deltaToken);
        if (!s || s.scope !== o.scope) throw syncStateNotFound();
        base = s.snapshot;
        context = s.context;
      }
      round = this.startRound(o.scope, base, await o.current(context), context);
    }
    const end = offset + o.pageSize;
    const entries = round.entries.slice(offset, end);
    if (end < round.entries.length) return { entries, nextSkipToken: `${round.id}.${end}`, context: round.context };
    this.syncs.set(round.deltaToken, { scope: round.scope, snapshot: round.snapshot, context: round.context });
    return { entries, deltaToken: round.deltaToken, context: round.context };
  }
}
