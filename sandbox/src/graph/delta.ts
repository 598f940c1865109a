// Graph delta query, for any collection that can list (id, version): the first round returns every
// item, later rounds (via @odata.deltaLink) what changed and what went away (@removed), paged with
// @odata.nextLink. State lives server-side under opaque tokens; forgetting it (reset, or the control
// API's "expire") makes old tokens answer 410 syncStateNotFound, which the product must survive.
import crypto from 'node:crypto';
import { GraphError } from './graph-errors.js';

export interface DeltaItem {
  id: string;
  version: string;
}

export type DeltaEntry = { id: string; removed: boolean };

interface Pending {
  scope: string;
  entries: DeltaEntry[];
  snapshot: Map<string, string>;
  context: Record<string, unknown>;
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

const token = (): string => crypto.randomBytes(18).toString('base64url');

export const syncStateNotFound = (): GraphError =>
  new GraphError(410, 'syncStateNotFound', 'The sync state generation is not found. Perform a full synchronization without a delta token.');

export class DeltaTracker {
  private syncs = new Map<string, Sync>();
  private pending = new Map<string, Pending>();

  /** Drops every delta state, as Exchange does after a while or a mailbox move. */
  expireAll(): void {
    this.syncs.clear();
    this.pending.clear();
  }

  /**
   * `scope` names the collection (mailbox + folder, or user calendar), `current` lists it now.
   * Exactly one of deltaToken / skipToken may be given; neither starts a full round with `context`.
   */
  async page(o: {
    scope: string;
    current: (context: Record<string, unknown>) => Promise<DeltaItem[]>;
    deltaToken?: string;
    skipToken?: string;
    pageSize: number;
    context: Record<string, unknown>;
  }): Promise<DeltaPage> {
    let work: Pending;
    if (o.skipToken) {
      const p = this.pending.get(o.skipToken);
      if (!p || p.scope !== o.scope) throw syncStateNotFound();
      this.pending.delete(o.skipToken);
      work = p;
    } else {
      let base = new Map<string, string>();
      let context = o.context;
      if (o.deltaToken) {
        const s = this.syncs.get(o.deltaToken);
        if (!s || s.scope !== o.scope) throw syncStateNotFound();
        base = s.snapshot;
        context = s.context;
      }
      const items = await o.current(context);
      const snapshot = new Map(items.map((i) => [i.id, i.version]));
      const removed = [...base.keys()].filter((id) => !snapshot.has(id)).map((id) => ({ id, removed: true }));
      const changed = items.filter((i) => base.get(i.id) !== i.version).map((i) => ({ id: i.id, removed: false }));
      work = { scope: o.scope, entries: [...removed, ...changed], snapshot, context };
    }
    const entries = work.entries.slice(0, o.pageSize);
    const rest = work.entries.slice(o.pageSize);
    if (rest.length) {
      const skip = token();
      this.pending.set(skip, { ...work, entries: rest });
      return { entries, nextSkipToken: skip, context: work.context };
    }
    const delta = token();
    this.syncs.set(delta, { scope: work.scope, snapshot: work.snapshot, context: work.context });
    return { entries, deltaToken: delta, context: work.context };
  }
}
