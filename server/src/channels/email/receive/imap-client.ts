import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { ImapAccess } from '../../../extensions/types.js';
import type { Logger } from '../../../lib/logger.js';

export type ImapTimeouts = Pick<ImapFlowOptions, 'connectionTimeout' | 'greetingTimeout' | 'socketTimeout'>;

/**
 * An imapflow client for a provider's ImapAccess. Without implicit TLS, STARTTLS is required (never
 * a cleartext login). Fetch sessions turn auto-IDLE off; the IDLE manager's sessions keep it on and
 * restart IDLE every few minutes, before servers drop a silent connection. The inbox wizard's
 * connection checks pass shorter `timeouts` so an administrator never waits on a dead host.
 */
export function imapClient(access: ImapAccess, logger: Logger, opts: { idle: boolean; timeouts?: ImapTimeouts }): ImapFlow {
  return new ImapFlow({
    host: access.host,
    port: access.port,
    secure: access.secure,
    doSTARTTLS: access.secure ? undefined : true,
    auth: access.auth,
    // imapflow logs every refused command as an error; the fetch records and logs failures itself.
    logger: logger.isLevelEnabled('debug') ? logger.child({ component: 'imapflow' }) : false,
    disableAutoIdle: !opts.idle,
    // IDLE right after the mailbox opens (imapflow waits 15 s by default), or new mail waits for it.
    autoIdleDelay: opts.idle ? 200 : undefined,
    maxIdleTime: opts.idle ? 5 * 60_000 : undefined,
    connectionTimeout: 30_000,
    greetingTimeout: 15_000,
    ...opts.timeouts,
  });
}
