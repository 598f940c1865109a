import { ReauthorizationRequired, type ConnectionTokens } from '../../contracts.js';
import type { MicrosoftAccount, SharedMailbox } from '../../metadata-sync.model.js';
import type { MicrosoftGraphClients } from '../../../microsoft/graph-clients.js';
import { StreamAccessDenied } from '../errors.js';
import type { SyncKindRunner, SyncRun, SyncRunOutcome } from '../kinds.js';
import { calendarStream } from './outlook-calendar.sync.js';
import { syncDeltaStream } from './graph-stream.js';
import { graphCode, graphStatus } from '../../../microsoft/graph-errors.js';
import { GraphReader } from './graph-api.client.js';
import { MAIL_FOLDERS, mailFolderStream } from './outlook-mail.sync.js';

export interface MicrosoftSyncDeps {
  graph: MicrosoftGraphClients;
  tokens: ConnectionTokens;
}

export const MS_MAIL_BREAKER = 'ms_graph_mail';
export const MS_CALENDAR_BREAKER = 'ms_graph_calendar';

/** Any of these granted permissions (short names, case-insensitive) allows the source. */
const SCOPES = {
  mail: ['Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'],
  calendar: ['Calendars.ReadBasic', 'Calendars.Read', 'Calendars.ReadWrite'],
  shared_mail: ['Mail.Read.Shared', 'Mail.ReadWrite.Shared'],
  shared_calendar: ['Calendars.Read.Shared', 'Calendars.ReadWrite.Shared'],
};

function granted(c: MicrosoftAccount, wanted: string[]): boolean {
  const have = new Set((c.scopes ?? []).map((s) => (s.split('/').pop() ?? s).toLowerCase()));
  return wanted.some((w) => have.has(w.toLowerCase()));
}

interface Access {
  reader: GraphReader;
  /** Subscribers of a shared mailbox whose access Graph refused, said in words. */
  note: string | null;
}

/**
 * Who reads the mailbox. Own: the owner. Shared: each subscriber's token is tried on `probe`; those
 * Graph lets in are the subscribers that get events (the first of them reads), those it refuses are
 * named in the stream's error. Nobody let in: `StreamAccessDenied`.
 */
async function access(deps: MicrosoftSyncDeps, run: SyncRun, breaker: string, probe: (root: string) => string): Promise<Access> {
  const readerOf = (c: MicrosoftAccount) => new GraphReader(deps, c, { mailbox: run.target.mailbox, shared: run.target.shared, breaker: run.breakers.get(breaker) });
  if (!run.target.shared) return { reader: readerOf(run.connections[0] as MicrosoftAccount), note: null };
  const allowed: GraphReader[] = [];
  const refused: string[] = [];
  let reauth: ReauthorizationRequired | null = null;
  for (const c of run.connections as MicrosoftAccount[]) {
    const reader = readerOf(c);
    try {
      await reader.get(probe(reader.root));
      allowed.push(reader);
    } catch (err) {
      if (err instanceof ReauthorizationRequired) reauth = err;
      else if (graphStatus(err) === 403 || graphStatus(err) === 404) refused.push(c.email);
      else throw err;
    }
  }
  const note = refused.length ? noFullAccess(refused, run.target.mailbox) : null;
  if (!allowed.length) {
    if (note) throw new StreamAccessDenied(note);
    throw reauth ?? new StreamAccessDenied(`Nobody may read ${run.target.mailbox}`);
  }
  await run.settleSubscribers(allowed.map((r) => Number(r.connection.user_id)));
  return { reader: allowed[0]!, note };
}

const noFullAccess = (users: string[], mailbox: string): string =>
  `${users.join(', ')} ${users.length > 1 ? 'have' : 'has'} no Full Access on ${mailbox} — ask your Exchange admin to grant it`;

/** A refusal Graph will repeat until someone changes the mailbox's permissions or the app's grant. */
function refusal(err: unknown, run: SyncRun): unknown {
  const status = graphStatus(err);
  if (status !== 403) return err;
  const who = (run.connections[0] as MicrosoftAccount).email;
  if (run.target.shared) return new StreamAccessDenied(noFullAccess([who], run.target.mailbox));
  return new StreamAccessDenied(`Microsoft refused to let LeadChat read ${run.target.mailbox} (${graphCode(err) ?? status}); reconnect Microsoft 365 and grant the permissions asked for`);
}

async function settled(runs: Promise<number>[], sources: string[]): Promise<Record<string, number>> {
  const results = await Promise.allSettled(runs);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return Object.fromEntries(results.map((r, i) => [sources[i]!, (r as PromiseFulfilledResult<number>).value]));
}

/**
 * Inbox and Sent Items, each its own Graph delta stream, side by side: while one waits out a
 * Retry-After the other uses the mailbox's refilled request budget (both within its 4 slots).
 */
export function microsoftMailRunner(deps: MicrosoftSyncDeps): SyncKindRunner {
  return {
    kind: 'microsoft_mail',
    provider: 'microsoft',
    eventSource: 'microsoft_mail',
    sources: MAIL_FOLDERS.map((f) => f.source),
    breakers: [MS_MAIL_BREAKER],
    enabled: (c) => Boolean((c as MicrosoftAccount).features?.mail) && granted(c as MicrosoftAccount, SCOPES.mail),
    sharedEnabled: (c) => Boolean(c.features?.shared_mail) && granted(c, SCOPES.shared_mail),
    async run(run): Promise<SyncRunOutcome> {
      try {
        const { reader, note } = await access(deps, run, MS_MAIL_BREAKER, (root) => `${root}/mailFolders/inbox?$select=totalItemCount`);
        const processed = await settled(MAIL_FOLDERS.map((f) => syncDeltaStream(reader, run, mailFolderStream(reader, run, f, note))), MAIL_FOLDERS.map((f) => f.source));
        return { processed };
      } catch (err) {
        throw refusal(err, run);
      }
    },
  };
}

/** The calendar view (own, or a shared mailbox's when the subscription includes its calendar). */
export function microsoftCalendarRunner(deps: MicrosoftSyncDeps): SyncKindRunner {
  return {
    kind: 'microsoft_calendar',
    provider: 'microsoft',
    eventSource: 'microsoft_calendar',
    sources: ['calendar'],
    breakers: [MS_CALENDAR_BREAKER],
    enabled: (c) => Boolean((c as MicrosoftAccount).features?.calendar) && granted(c as MicrosoftAccount, SCOPES.calendar),
    sharedEnabled: (c: MicrosoftAccount, m: SharedMailbox) => Boolean(c.features?.shared_calendar) && m.include_calendar && granted(c, SCOPES.shared_calendar),
    async run(run): Promise<SyncRunOutcome> {
      try {
        const { reader, note } = await access(deps, run, MS_CALENDAR_BREAKER, (root) => `${root}/events?$top=1&$select=id`);
        return { processed: { calendar: await syncDeltaStream(reader, run, calendarStream(reader, run, note)) } };
      } catch (err) {
        throw refusal(err, run);
      }
    },
  };
}
