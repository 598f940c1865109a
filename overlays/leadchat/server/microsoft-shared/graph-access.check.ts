import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import { noFullAccess, unreachable, type AccessProblem } from './access-problem.js';

/**
 * graph_full: can the delegate open the shared mailbox through Graph? Reads the inbox folder
 * (`GET /users/{upn}/mailFolders/inbox`), which needs Full Access. Send As cannot be checked without
 * sending (Graph has no read-only probe for it under delegated permissions): the round trip that
 * follows (graph-round-trip.ts) sends to find out.
 */
export async function verifyGraphAccess(client: Client, who: { delegate: string; mailbox: string }): Promise<AccessProblem | null> {
  try {
    await client.api(`/users/${encodeURIComponent(who.mailbox)}/mailFolders/inbox`).select('id').get();
    return null;
  } catch (err) {
    if (!(err instanceof GraphError) || err.statusCode <= 0) return unreachable(who.mailbox, (err as Error).message);
    if (err.statusCode === 403) return noFullAccess(who.delegate, who.mailbox);
    if (err.statusCode === 404) {
      return { code: 'mailbox_not_found', message: `${who.mailbox} is not a mailbox in ${who.delegate.split('@')[1]}'s Microsoft 365 tenant; check the address.` };
    }
    return unreachable(who.mailbox, `Microsoft Graph answered ${err.statusCode} ${err.code ?? ''}`.trim());
  }
}
