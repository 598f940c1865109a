/**
 * One reply draft per conversation, kept in localStorage under the signed-in user, the account and the
 * conversation, so it survives a reload or a closed tab and is never shown to another agent signing in
 * on the same browser, nor in another conversation. Picked files cannot be stored: they stay in this
 * tab's memory, and the stored draft keeps their names so a reload can ask for them again.
 */
export type ReplyMode = 'reply' | 'reply_all' | 'forward' | 'note';
const MODES: ReplyMode[] = ['reply', 'reply_all', 'forward', 'note'];

export interface Draft {
  content: string;
  to: string;
  cc: string;
  bcc: string;
  mode: ReplyMode;
  /** Names of the files the agent had picked. */
  files: string[];
  /** The message a forward carries. */
  forwardOf?: number | null;
  /** Whether the email quotes the previous message (the inbox's default when unset). */
  quote?: boolean | null;
  updatedAt: number;
}

export interface DraftScope {
  userId: number;
  accountId: number;
}

export type DraftStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

const PREFIX = 'leadchat.draft.v1';

/** Nothing typed, no address, no file: not worth keeping (the mode alone is not a draft). */
export function isEmptyDraft(d: Pick<Draft, 'content' | 'to' | 'cc' | 'bcc' | 'files'>): boolean {
  return !d.content.trim() && !d.to.trim() && !d.cc.trim() && !d.bcc.trim() && !d.files.length;
}

export const emptyDraft = (): Draft => ({ content: '', to: '', cc: '', bcc: '', mode: 'reply', files: [], updatedAt: 0 });

/** Files picked per draft key, for the life of the tab. */
const pickedFiles = new Map<string, File[]>();

export class DraftBook {
  constructor(
    private readonly storage: DraftStorage,
    private readonly scope: DraftScope,
  ) {}

  private key(conversationId: number): string {
    return `${PREFIX}:${this.scope.userId}:${this.scope.accountId}:${conversationId}`;
  }

  read(conversationId: number): Draft | null {
    const raw = this.storage.getItem(this.key(conversationId));
    if (!raw) return null;
    try {
      const d = JSON.parse(raw) as Partial<Draft>;
      const text = (v: unknown) => (typeof v === 'string' ? v : '');
      return {
        content: text(d.content), to: text(d.to), cc: text(d.cc), bcc: text(d.bcc),
        mode: MODES.includes(d.mode as ReplyMode) ? (d.mode as ReplyMode) : 'reply',
        forwardOf: typeof d.forwardOf === 'number' ? d.forwardOf : null,
        quote: typeof d.quote === 'boolean' ? d.quote : null,
        files: Array.isArray(d.files) ? d.files.filter((f): f is string => typeof f === 'string') : [],
        updatedAt: typeof d.updatedAt === 'number' ? d.updatedAt : 0,
      };
    } catch {
      return null;
    }
  }

  /**
   * Stores the draft, or forgets it when it is empty. `draft.files` names every file of the draft
   * (those to re-attach too); `picked` are the File objects this tab holds. Answers whether one is kept.
   */
  write(conversationId: number, draft: Omit<Draft, 'updatedAt'>, picked: File[]): boolean {
    const key = this.key(conversationId);
    const full: Draft = { ...draft, updatedAt: Date.now() };
    if (isEmptyDraft(full)) {
      this.clear(conversationId);
      return false;
    }
    if (picked.length) pickedFiles.set(key, picked);
    else pickedFiles.delete(key);
    try {
      this.storage.setItem(key, JSON.stringify(full));
    } catch {
      // Storage full or disabled (private mode): the draft still lives in this tab's memory.
    }
    return true;
  }

  /** The File objects picked for this draft in this tab (none after a reload). */
  files(conversationId: number): File[] {
    return pickedFiles.get(this.key(conversationId)) ?? [];
  }

  clear(conversationId: number): void {
    const key = this.key(conversationId);
    pickedFiles.delete(key);
    this.storage.removeItem(key);
  }

  /** The conversations of this user and account that have a draft. */
  conversationIds(): number[] {
    const prefix = `${PREFIX}:${this.scope.userId}:${this.scope.accountId}:`;
    const ids: number[] = [];
    for (let i = 0; i < this.storage.length; i++) {
      const key = this.storage.key(i);
      if (key?.startsWith(prefix)) ids.push(Number(key.slice(prefix.length)));
    }
    return ids.filter((id) => Number.isInteger(id) && id > 0).sort((a, b) => a - b);
  }
}

/** Calls `fn` once `ms` after the last `schedule()`; `flush()` runs a pending call now. */
export function debounced(fn: () => void, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    schedule() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        fn();
      }, ms);
    },
    flush() {
      if (timer === undefined) return;
      clearTimeout(timer);
      timer = undefined;
      fn();
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
