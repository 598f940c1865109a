import { ImapFlow } from 'imapflow';
import type { ImapAccess } from '../../../extensions/types.js';
import type { Logger } from '../../../lib/logger.js';

/**
 * An imapflow client for a provider's ImapAccess. Without implicit TLS, STARTTLS is required (never
 * a cleartext login). Fetch sessions turn auto-IDLE off; the IDLE manager's sessions keep it on and
 * restart IDLE every few minutes, before servers drop a silent connection.
 */
export function imapClient(access: ImapAccess, logger: Logger, opts: { idle: boolean }): ImapFlow {
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
  });
}
