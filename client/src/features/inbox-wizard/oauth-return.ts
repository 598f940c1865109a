/** What LeadChat's callbacks put in `?error=`: a snake_case code, nothing else. */
const CODE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Why an OAuth callback sent the browser back here, as a code the page turns into its own words:
 * anyone can craft a link to a wizard page, so text from the URL is never shown as if LeadChat said
 * it. `unknown` when `?error=` is there but is not a code LeadChat would send; null without one.
 */
export function oauthErrorCode(query: Record<string, unknown>): string | null {
  const value = Array.isArray(query.error) ? query.error[0] : query.error;
  if (typeof value !== 'string' || !value) return null;
  return CODE.test(value) ? value : 'unknown';
}

/** `<prefix>.<CODE>` when the bundle has words for the code, else `<prefix>.OTHER`. */
export function oauthErrorKey(prefix: string, code: string, has: (key: string) => boolean): string {
  const key = `${prefix}.${code.toUpperCase()}`;
  return has(key) ? key : `${prefix}.OTHER`;
}
