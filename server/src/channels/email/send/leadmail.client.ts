import { DeliveryError } from '../../../lib/errors.js';
import type { LeadmailPayload } from './leadmail-payload.js';

export interface LeadmailSettings {
  baseUrl: string;
  apiKey: string;
}

/** `Retry-After` as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** LeadMail's error text, field errors included: what the agent sees on a failed message. */
function errorText(status: number, body: unknown): string {
  const b = (body ?? {}) as { error?: { message?: string; fields?: { path: string; message: string }[] }; errors?: unknown };
  const fields = b.error?.fields?.map((f) => `${f.path} ${f.message}`) ?? (Array.isArray(b.errors) ? b.errors.map(String) : []);
  const message = b.error?.message ?? `HTTP ${status}`;
  return `LeadMail ${status}: ${[message, ...fields].join('; ')}`;
}

/**
 * Which LeadMail answers a retry can fix: throttling (429), server errors and the network are
 * transient; a bad key (401) needs new credentials; any other 4xx is the message's fault.
 */
export function classifyLeadmailResponse(status: number, body: unknown, retryAfter: string | null): DeliveryError {
  const text = errorText(status, body);
  if (status === 401) return new DeliveryError(text, 'reauth');
  if (status === 429 || status >= 500) return new DeliveryError(text, 'transient', { retryAfterMs: retryAfterMs(retryAfter) });
  return new DeliveryError(text, 'permanent');
}

/** `POST /v1/messages` on LeadMail's transactional API; throws DeliveryError. */
export async function postLeadmailMessage(settings: LeadmailSettings, payload: LeadmailPayload): Promise<{ id: string }> {
  let res: Response;
  try {
    res = await fetch(`${settings.baseUrl.replace(/\/$/, '')}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${settings.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (cause) {
    throw new DeliveryError(`LeadMail unreachable: ${(cause as Error).message}`, 'transient', { cause });
  }
  const body = await res.json().catch(() => null);
  if (res.status !== 202 && res.status !== 200) throw classifyLeadmailResponse(res.status, body, res.headers.get('retry-after'));
  return { id: String((body as { id?: unknown } | null)?.id ?? '') };
}
