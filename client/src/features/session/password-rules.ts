/**
 * The server's password rule (server/src/services/users.service.ts `passwordRule`), shown as a checklist while
 * the person types, so the form does not have to be sent to learn it.
 */
export const PASSWORD_RULES = [
  { key: 'LENGTH', test: (p: string) => p.length >= 8 && p.length <= 128 },
  { key: 'LOWER', test: (p: string) => /[a-z]/.test(p) },
  { key: 'UPPER', test: (p: string) => /[A-Z]/.test(p) },
  { key: 'DIGIT', test: (p: string) => /\d/.test(p) },
] as const;

export const meetsPasswordRules = (p: string) => PASSWORD_RULES.every((r) => r.test(p));
