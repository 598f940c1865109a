// The Google side of the metadata sync: Gmail metadata (`google_mail`) and Google Calendar
// (`google_calendar`) as sync kinds of the engine.
import type { ExtensionContext } from '../../../../../../server/src/extensions/index.js';
import type { Connection, ConnectionTokens } from '../../contracts.js';
import { GoogleAccount } from '../../metadata-sync.model.js';
import { GOOGLE_FEATURE_SCOPES } from '../../connect/scopes.js';
import type { LeadchatSettings } from '../../../settings.js';
import type { SyncKindRunner, SyncRun } from '../kinds.js';
import { GmailMetadataClient } from './gmail-metadata.client.js';
import { GmailQuota } from './gmail-quota.js';
import { GmailMetadataSync } from './gmail.sync.js';
import { GoogleApiClient, GOOGLE_CIRCUITS } from './google-api.client.js';
import { GoogleCalendarClient } from './google-calendar.client.js';
import { GoogleCalendarSync } from './google-calendar.sync.js';

export interface GoogleSyncDeps {
  config: ExtensionContext['config'];
  tokens: ConnectionTokens;
  logger: ExtensionContext['logger'];
  settings: Pick<LeadchatSettings, 'GOOGLE_CALENDAR_BASE_URL' | 'GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE'>;
}

/** Active, the feature switched on, and its scope granted. */
const allows = (feature: 'mail' | 'calendar') => (connection: Connection): boolean =>
  connection instanceof GoogleAccount
  && connection.status === 'active'
  && connection.features?.[feature] === true
  && (connection.scopes ?? []).includes(GOOGLE_FEATURE_SCOPES[feature]);

/** The two Google kinds; one quota limiter per process, shared by every Gmail sync it runs. */
export function googleSyncKinds(deps: GoogleSyncDeps): SyncKindRunner[] {
  const quota = new GmailQuota(deps.settings.GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE);
  deps.logger.info({ gmailUnitsPerMinute: quota.unitsPerMinute }, 'Gmail quota limiter configured');
  const api = (run: SyncRun) => new GoogleApiClient({ config: { GOOGLE_GMAIL_BASE_URL: deps.config.GOOGLE_GMAIL_BASE_URL, GOOGLE_CALENDAR_BASE_URL: deps.settings.GOOGLE_CALENDAR_BASE_URL }, tokens: deps.tokens, breakers: run.breakers });
  const gmail = new GmailMetadataSync((run) => new GmailMetadataClient({ api: api(run), quota, logger: run.logger }));
  const calendar = new GoogleCalendarSync((run) => new GoogleCalendarClient({ api: api(run), logger: run.logger }));
  return [
    {
      kind: 'google_mail', provider: 'google', eventSource: 'google_mail', sources: ['gmail'], breakers: [GOOGLE_CIRCUITS.gmail],
      enabled: allows('mail'),
      run: (run) => gmail.run(run),
    },
    {
      kind: 'google_calendar', provider: 'google', eventSource: 'google_calendar', sources: ['google_calendar'], breakers: [GOOGLE_CIRCUITS.calendar],
      enabled: allows('calendar'),
      run: (run) => calendar.run(run),
    },
  ];
}
