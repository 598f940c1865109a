import { z } from 'zod';
import type { GoogleFeatures, MicrosoftFeatures, Provider } from '../metadata-sync.model.js';

/** Sign-in scopes every Microsoft connection asks for (msal adds openid/profile/offline_access itself too). */
const MICROSOFT_BASE_SCOPES = ['offline_access', 'openid', 'profile', 'User.Read'] as const;
/** The Graph delegated permission each Microsoft feature needs. */
export const MICROSOFT_FEATURE_SCOPES: Record<keyof MicrosoftFeatures, string> = {
  mail: 'Mail.ReadBasic',
  calendar: 'Calendars.ReadBasic',
  shared_mail: 'Mail.Read.Shared',
  shared_calendar: 'Calendars.Read.Shared',
};

const GOOGLE_BASE_SCOPES = ['openid', 'email', 'profile'] as const;
/** The Google scope each Google feature needs. */
export const GOOGLE_FEATURE_SCOPES: Record<keyof GoogleFeatures, string> = {
  mail: 'https://www.googleapis.com/auth/gmail.metadata',
  calendar: 'https://www.googleapis.com/auth/calendar.readonly',
};

/** The Graph resource the short permission names belong to (for admin-consent URLs, which want full names). */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

/** OIDC scopes: never "missing" and never stored as granted Graph permissions. */
export { OIDC_SCOPES } from '../../../../../server/src/extensions/index.js';

const flag = z.boolean({ message: 'must be true or false' }).optional();
const microsoftFeatures = z.strictObject({ mail: flag, calendar: flag, shared_mail: flag, shared_calendar: flag });
const googleFeatures = z.strictObject({ mail: flag, calendar: flag });
export const featuresSchema = { microsoft: microsoftFeatures, google: googleFeatures } as const;

export type Features = MicrosoftFeatures | GoogleFeatures;

const featureScopes = (provider: Provider): Record<string, string> => (provider === 'microsoft' ? MICROSOFT_FEATURE_SCOPES : GOOGLE_FEATURE_SCOPES);

/** Only the switched-on features, so stored feature sets compare and merge simply. */
export function enabledFeatures<F extends Features>(features: F): F {
  return Object.fromEntries(Object.entries(features).filter(([, on]) => on === true)) as F;
}

/** Everything a sign-in for these features asks for: the base scopes plus one per enabled feature. */
export function scopesFor(provider: Provider, features: Features): string[] {
  const perFeature = featureScopes(provider);
  const base = provider === 'microsoft' ? MICROSOFT_BASE_SCOPES : GOOGLE_BASE_SCOPES;
  return [...base, ...Object.entries(features).filter(([, on]) => on).map(([name]) => perFeature[name]!)];
}

/** Scopes the enabled features need that the connection was not granted (Graph compares short names case-insensitively). */
export function missingScopes(provider: Provider, features: Features, granted: readonly string[]): string[] {
  const have = new Set(granted.map((s) => s.toLowerCase()));
  const perFeature = featureScopes(provider);
  return Object.entries(features).filter(([name, on]) => on && !have.has(perFeature[name]!.toLowerCase())).map(([name]) => perFeature[name]!);
}

/** The scopes available to toggle on a provider's card, named by feature. */
export function scopesAvailable(provider: Provider): Record<string, string> {
  return { ...featureScopes(provider) };
}
