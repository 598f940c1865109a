import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from './lib/errors.js';
import { resolveTlsMode, TLS_MODES, type TlsMode } from './lib/mail-tls.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** `k1:<base64 32 bytes>,k0:<base64 32 bytes>` — the first key encrypts, all of them decrypt. */
const encryptionKeys = z.string().transform((raw, ctx) => {
  const keys: { id: string; key: Buffer }[] = [];
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [id, b64] = part.split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!id || !/^[A-Za-z0-9_-]+$/.test(id) || key.length !== 32) {
      ctx.addIssue({ code: 'custom', message: `each entry must be "<id>:<base64 of 32 bytes>" (bad entry "${id ?? ''}")` });
      return z.NEVER;
    }
    keys.push({ id, key });
  }
  if (keys.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'at least one key is required' });
    return z.NEVER;
  }
  return keys;
});

/** Unset: taken from the port at boot (993 / 465 implicit, any other STARTTLS). */
const tlsMode = z.string().trim().toLowerCase().pipe(z.enum(TLS_MODES, { message: 'must be "implicit" (TLS from the first byte, as on 993 and 465) or "starttls" (as on 143 and 587)' })).optional();

/**
 * `10.0.0.0/8,127.0.0.1/32,::1/128`: networks outgoing webhooks may reach although they are private,
 * loopback or link-local (refused by default, see webhooks/address-guard.ts). A bare address is one host.
 */
const cidrList = z.string().transform((raw, ctx) => {
  const networks: { address: string; prefix: number; family: 'ipv4' | 'ipv6' }[] = [];
  for (const entry of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [address = '', prefixText] = entry.split('/');
    const version = isIP(address);
    const max = version === 6 ? 128 : 32;
    const prefix = prefixText === undefined ? max : /^\d+$/.test(prefixText) ? Number(prefixText) : NaN;
    if (!version || !(prefix >= 0 && prefix <= max)) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not an IP address or CIDR network (e.g. 10.0.0.0/8, ::1/128)` });
      return z.NEVER;
    }
    networks.push({ address, prefix, family: version === 6 ? 'ipv6' : 'ipv4' });
  }
  return networks;
});

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  ROLE: z.enum(['all', 'web', 'worker']).default('all'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Public URL of the dashboard; defaults to the address the server listens on. */
  FRONTEND_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').default('postgres://postgres@127.0.0.1:5432/leadchat'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().min(1).default('leadchat'),
  EXTENSIONS: z
    .string()
    .default('leadchat')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z0-9_-]+$/, 'extension names are lower-case folder names'))),
  ENCRYPTION_KEYS: encryptionKeys,
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters'),
  PLATFORM_API_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  INBOUND_EMAIL_DOMAIN: z.string().regex(/^[a-z0-9.-]+$/i, 'must be a domain name').default('reply.leadchat.localhost'),
  STORAGE_DIR: z.string().min(1).optional(),
  MICROSOFT_CLIENT_ID: z.string().min(1).optional(),
  MICROSOFT_CLIENT_SECRET: z.string().min(1).optional(),
  /** `https://login.microsoftonline.com/organizations` for a multi-tenant app; `.../<tenant id>` for a single-tenant one. */
  MICROSOFT_AUTHORITY: z.url().default('https://login.microsoftonline.com/organizations'),
  MICROSOFT_IMAP_HOST: z.string().default('outlook.office365.com'),
  MICROSOFT_IMAP_PORT: z.coerce.number().int().min(1).max(65535).default(993),
  MICROSOFT_IMAP_TLS: tlsMode,
  MICROSOFT_SMTP_HOST: z.string().default('smtp.office365.com'),
  MICROSOFT_SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  MICROSOFT_SMTP_TLS: tlsMode,
  GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  GOOGLE_AUTHORIZE_URL: z.url().default('https://accounts.google.com/o/oauth2/v2/auth'),
  GOOGLE_TOKEN_URL: z.url().default('https://oauth2.googleapis.com/token'),
  GOOGLE_GMAIL_BASE_URL: z.url().default('https://gmail.googleapis.com/gmail/v1'),
  GOOGLE_IMAP_HOST: z.string().default('imap.gmail.com'),
  GOOGLE_IMAP_PORT: z.coerce.number().int().min(1).max(65535).default(993),
  GOOGLE_IMAP_TLS: tlsMode,
  GOOGLE_SMTP_HOST: z.string().default('smtp.gmail.com'),
  GOOGLE_SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  GOOGLE_SMTP_TLS: tlsMode,
  LEADMAIL_BASE_URL: z.url().optional(),
  LEADMAIL_API_KEY: z.string().min(1).optional(),
  /** Sender of the application's own emails (invitations, password resets, transcripts). */
  MAILER_SENDER_EMAIL: z.string().default('LeadChat <notifications@leadchat.localhost>'),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: cidrList.default([]),
  /** First retry delay of a failed webhook delivery; it doubles 13 times (10 s → about 23 h in all). */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(10_000),
  /** A webhook failing without a single success for this long is disabled and its administrators notified. */
  WEBHOOK_DISABLE_AFTER_HOURS: z.coerce.number().positive().max(24 * 365).default(72),
  /** How long an agent can still Undo a reply after pressing Send; the send waits this long (0: at once). */
  REPLY_UNDO_SECONDS: z.coerce.number().int().min(0).max(60).default(5),
  SEED_DEMO: bool.default(true),
  TRUST_PROXY: bool.default(false),
});

type TlsSetting = 'MICROSOFT_IMAP_TLS' | 'MICROSOFT_SMTP_TLS' | 'GOOGLE_IMAP_TLS' | 'GOOGLE_SMTP_TLS';

export type Config = Omit<z.infer<typeof schema>, 'FRONTEND_URL' | TlsSetting> & { FRONTEND_URL: string } & Record<TlsSetting, TlsMode> & {
  /** The environment the settings were read from: an overlay's own settings (`ctx.register.config`) are parsed from it too. */
  readonly env: Readonly<Record<string, string | undefined>>;
};

/**
 * Parses settings from the environment: an empty value counts as unset, and every bad value is
 * reported with its name (`NAME: message`), so one boot lists all of them — the core's here, an
 * overlay's through `ctx.register.config`.
 */
export function parseSettings<S extends z.ZodType>(schema: S, env: Readonly<Record<string, string | undefined>>): { data: z.infer<S>; problems: [] } | { data?: undefined; problems: string[] } {
  const input: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) input[key] = value === '' && key !== 'EXTENSIONS' ? undefined : value;
  const result = schema.safeParse(input);
  if (result.success) return { data: result.data, problems: [] };
  return { problems: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
}

/**
 * Tests only: fixed throw-away secrets so a test runtime boots without set-up. Anything else must bring
 * its own (production) or has them generated on first start (`npm start`, see lib/local-secrets.ts).
 */
const TEST_SECRETS: Record<string, string> = {
  ENCRYPTION_KEYS: `test:${Buffer.alloc(32, 7).toString('base64')}`,
  SESSION_SECRET: 'test-session-secret-never-outside-tests',
};

/** Secrets published in this repository (today's and earlier releases') decrypt nothing outside tests. */
const PUBLIC_KEYS = new Set([Buffer.alloc(32, 7).toString('base64')]);
const PUBLIC_SESSION_SECRETS = new Set([TEST_SECRETS.SESSION_SECRET, 'development-session-secret-not-for-production']);

/** Parses the environment once at boot, reporting every bad value together with its name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string | undefined> = { ...env };
  const testing = env.NODE_ENV === 'test';
  if (testing) {
    for (const [k, v] of Object.entries(TEST_SECRETS)) input[k] ??= v;
  }
  const result = parseSettings(schema, input);
  if (!result.data) throw new ConfigError(result.problems);
  const data = result.data;
  if (!testing) {
    const publicSecrets: string[] = [];
    if (data.ENCRYPTION_KEYS.some((k) => PUBLIC_KEYS.has(k.key.toString('base64')))) publicSecrets.push('ENCRYPTION_KEYS: holds a key published in the LeadChat source; generate your own');
    if (PUBLIC_SESSION_SECRETS.has(data.SESSION_SECRET)) publicSecrets.push('SESSION_SECRET: is a value published in the LeadChat source; generate your own');
    if (publicSecrets.length > 0) throw new ConfigError(publicSecrets);
  }
  return {
    ...data,
    FRONTEND_URL: data.FRONTEND_URL ?? `http://${data.HOST === '0.0.0.0' ? '127.0.0.1' : data.HOST}:${data.PORT}`,
    MICROSOFT_IMAP_TLS: resolveTlsMode('imap', data.MICROSOFT_IMAP_PORT, data.MICROSOFT_IMAP_TLS),
    MICROSOFT_SMTP_TLS: resolveTlsMode('smtp', data.MICROSOFT_SMTP_PORT, data.MICROSOFT_SMTP_TLS),
    GOOGLE_IMAP_TLS: resolveTlsMode('imap', data.GOOGLE_IMAP_PORT, data.GOOGLE_IMAP_TLS),
    GOOGLE_SMTP_TLS: resolveTlsMode('smtp', data.GOOGLE_SMTP_PORT, data.GOOGLE_SMTP_TLS),
    env: input,
  };
}
