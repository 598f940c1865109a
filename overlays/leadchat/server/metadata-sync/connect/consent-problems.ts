import type { Provider } from '../metadata-sync.model.js';
import { providerLabel } from './connection-row.js';

/** Why a sign-in came back without a usable code, as the integrations page shows it. */
export interface ConsentProblem {
  code: 'admin_approval_required' | 'personal_account' | 'access_denied' | 'sign_in_failed' | 'server_error';
  message: string;
}

/** Entra's refusals that mean "your organization must approve this app first" (user consent is off, or needs admin consent). */
const ADMIN_APPROVAL = /AADSTS(90094|90095|65001)\b/;
/** Entra's refusals of a personal account on an app limited to work and school accounts. */
const PERSONAL = /AADSTS(50020|500200)\b/;

/** Entra's descriptions carry trace ids after the first sentence; the user needs the reason only. */
export const withoutTraceId = (text: string): string => text.replace(/\s+Trace ID:.*$/s, '');

/** Reads an `error` / `error_description` pair from an authorize redirect. */
export function consentProblem(provider: Provider, error: string, description = ''): ConsentProblem {
  if (provider === 'microsoft') {
    if (error === 'consent_required' || error === 'admin_consent_required' || (error === 'access_denied' && ADMIN_APPROVAL.test(description))) {
      return {
        code: 'admin_approval_required',
        message: 'Your Microsoft 365 organization requires an administrator to approve LeadChat before you can connect. Send the approval link to an administrator, then connect again.',
      };
    }
    if (PERSONAL.test(description)) {
      return { code: 'personal_account', message: 'Personal Microsoft accounts (Outlook.com, Hotmail, Live) cannot be connected: sign in with your work or school account.' };
    }
  }
  const name = providerLabel(provider);
  if (error === 'access_denied') return { code: 'access_denied', message: `The ${name} sign-in was cancelled or permission was not granted, so nothing was connected.` };
  // The provider's own text stays in the log (the handshake writes it): it is not LeadChat's to repeat.
  return { code: 'sign_in_failed', message: `${name} refused the sign-in, so nothing was connected. Start again; if it keeps happening, ask your administrator.` };
}
