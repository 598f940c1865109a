import type { SecretBox } from '../../../lib/crypto.js';
import type { FieldError } from '../../../lib/errors.js';
import type { EmailProvider } from '../../../extensions/types.js';

/** Fields a leg needs once it is enabled; passwords only on create (an update keeps the stored one). */
function requireLeg(params: Record<string, unknown>, leg: 'imap' | 'smtp', mode: 'create' | 'update'): FieldError[] {
  if (!params[`${leg}_enabled`]) return [];
  const needed = [`${leg}_address`, `${leg}_port`, `${leg}_login`, ...(mode === 'create' ? [`${leg}_password`] : [])];
  return needed.filter((f) => params[f] === undefined || params[f] === '').map((path) => ({ path, message: `is required when ${leg}_enabled is true` }));
}

/**
 * `imap`: any mailbox reached with a login and password (Chatwoot's default provider). IMAP and SMTP
 * are configured independently: either leg may be enabled on its own.
 */
export function createImapProvider(secrets: SecretBox): EmailProvider {
  return {
    id: 'imap',
    label: 'Other provider (IMAP/SMTP)',
    creatableViaApi: true,
    validateChannelParams(params, mode) {
      return [...requireLeg(params, 'imap', mode), ...requireLeg(params, 'smtp', mode)];
    },
    async imapAccess(channel) {
      if (!channel.imap_enabled || !channel.imap_password_ciphertext) return null;
      return {
        host: channel.imap_address,
        port: channel.imap_port,
        secure: channel.imap_enable_ssl,
        auth: { user: channel.imap_login || channel.email, pass: secrets.decrypt(channel.imap_password_ciphertext) },
      };
    },
    async outbound(channel) {
      if (!channel.smtp_enabled) return null;
      return {
        method: 'smtp',
        settings: {
          host: channel.smtp_address,
          port: channel.smtp_port,
          secure: channel.smtp_enable_ssl_tls,
          requireTLS: channel.smtp_enable_starttls_auto && !channel.smtp_enable_ssl_tls,
          rejectUnauthorized: channel.smtp_openssl_verify_mode !== 'none',
          authMethod: channel.smtp_authentication.toUpperCase(),
          auth: channel.smtp_password_ciphertext
            ? { user: channel.smtp_login || channel.email, pass: secrets.decrypt(channel.smtp_password_ciphertext) }
            : undefined,
          domain: channel.smtp_domain || undefined,
        },
      };
    },
  };
}
