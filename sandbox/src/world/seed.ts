// The seeded world. Fixed identifiers and secrets (it is a loopback-only fake) so a demo's .env and
// a test's expectations stay valid across restarts; everything mutable is rebuilt by reset().

export interface TenantUser {
  id: string;
  upn: string;
  displayName: string;
  givenName: string;
  surname: string;
  password: string;
  jobTitle: string | null;
  /** Global administrators may grant tenant-wide (admin) consent. */
  isAdmin: boolean;
  /** A personal Microsoft account (outlook.com): lives in the consumers tenant, not in contoso.test. */
  personal?: boolean;
}

export interface SharedMailbox {
  id: string;
  upn: string;
  displayName: string;
  fullAccess: string[];
  sendAs: string[];
  /** Exchange's MessageCopyForSentAsEnabled: keep a Sent Items copy in the shared mailbox when a delegate sends as it. */
  messageCopyForSentAsEnabled: boolean;
}

/** A mailbox with a password (IMAP/SMTP basic auth), outside the Microsoft tenant. */
export interface PlainMailbox {
  address: string;
  displayName: string;
  password: string;
}

export interface EntraApp {
  clientId: string;
  clientSecret: string;
  displayName: string;
  /** Exact redirect URIs; loopback URIs (localhost / 127.0.0.1) are also accepted on any port and path, see entra README. */
  redirectUris: string[];
  /** Application permissions (app roles on Graph) the app asks for; granted only by admin consent. */
  requiredRoles: string[];
}

export interface CalendarEvent {
  id: string;
  subject: string;
  bodyHtml: string;
  startUtc: string;
  endUtc: string;
  isAllDay: boolean;
  isCancelled: boolean;
  organizer: { name: string; address: string };
  attendees: { name: string; address: string; response: 'none' | 'accepted' | 'declined' | 'tentativelyAccepted' }[];
  location: null | {
    displayName: string;
    address?: { street: string; city: string; state: string; countryOrRegion: string; postalCode: string };
    coordinates?: { latitude: number; longitude: number };
  };
  createdUtc: string;
  lastModifiedUtc: string;
  /** Bumped on every change; drives etags and delta. */
  version: number;
  /** The zone the organizer wrote it in (Windows or IANA name); UTC when not given. */
  timeZone?: string;
  /**
   * Graph answers this event's start/end in its own zone, labelled with that zone's (Windows) name,
   * whatever `Prefer: outlook.timezone` asked: what a client must survive when the preference is not applied.
   */
  preferIgnored?: boolean;
}

export interface SeedMessage {
  mailbox: string;
  folder: string;
  from: { name: string; address: string };
  to: { name: string; address: string }[];
  subject: string;
  text: string;
  daysAgo: number;
  seen: boolean;
}

export interface GoogleUser {
  id: string;
  email: string;
  name: string;
  password: string;
}

export interface GoogleMessageSeed {
  from: string;
  to: string[];
  subject: string;
  labelIds: string[];
  daysAgo: number;
}

export interface GoogleEventSeed {
  summary: string;
  startDaysFromNow: number;
  hours: number;
  attendees: string[];
  status: 'confirmed' | 'cancelled';
  recurringWeekly?: number;
}

export const TENANT = {
  id: '7c1d2b8e-4a5f-4e2b-9d3c-0f1e2d3c4b5a',
  domain: 'contoso.test',
  displayName: 'Contoso (sandbox)',
} as const;

/** The tenant every personal Microsoft account belongs to (Entra's fixed id for MSA). */
export const CONSUMERS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const OUTLOOK_RESOURCE = 'https://outlook.office.com';

export const seedUsers: TenantUser[] = [
  { id: 'a1f3e6d0-1111-4c2a-8b1e-000000000001', upn: 'alice@contoso.test', displayName: 'Alice Archer', givenName: 'Alice', surname: 'Archer', password: 'alice-pass', jobTitle: 'Support lead', isAdmin: false },
  { id: 'b2e4f7c1-2222-4d3b-9c2f-000000000002', upn: 'bob@contoso.test', displayName: 'Bob Baker', givenName: 'Bob', surname: 'Baker', password: 'bob-pass', jobTitle: 'Sales', isAdmin: false },
  { id: 'd4a6b9e3-4444-4f5d-be41-000000000004', upn: 'dana@contoso.test', displayName: 'Dana Diaz', givenName: 'Dana', surname: 'Diaz', password: 'dana-pass', jobTitle: 'Support agent', isAdmin: false },
  { id: 'e5b7cafa-5555-4a6e-8f52-000000000005', upn: 'admin@contoso.test', displayName: 'Adele Admin', givenName: 'Adele', surname: 'Admin', password: 'admin-pass', jobTitle: 'IT', isAdmin: true },
  { id: '00000000-0000-0000-7e57-000000000a70', upn: 'pat@outlook.test', displayName: 'Pat Personal', givenName: 'Pat', surname: 'Personal', password: 'pat-pass', jobTitle: null, isAdmin: false, personal: true },
];

export const seedSharedMailboxes: SharedMailbox[] = [
  { id: 'c3f5a8d2-3333-4e4c-ad30-000000000003', upn: 'support@contoso.test', displayName: 'Contoso Support', fullAccess: ['alice@contoso.test', 'dana@contoso.test'], sendAs: ['alice@contoso.test'], messageCopyForSentAsEnabled: true },
  { id: 'f6c8dbeb-6666-4b7f-9063-000000000006', upn: 'sales@contoso.test', displayName: 'Contoso Sales', fullAccess: ['bob@contoso.test'], sendAs: ['bob@contoso.test'], messageCopyForSentAsEnabled: false },
];

export const seedPlainMailboxes: PlainMailbox[] = [
  { address: 'info@example.test', displayName: 'Example Info', password: 'info-pass' },
  { address: 'jane@example.test', displayName: 'Jane Customer', password: 'jane-pass' },
];

export const seedApps: EntraApp[] = [
  {
    clientId: '0a1b2c3d-0000-4000-8000-00000000a11c',
    clientSecret: 'sandbox-leadchat-secret',
    displayName: 'LeadChat',
    redirectUris: [],
    requiredRoles: ['Mail.Read', 'Mail.Send'],
  },
];

export const seedLeadMail = {
  apiKey: 'lm_sandbox_key_0123456789',
  verifiedDomains: ['contoso.test', 'example.test'],
};

export const GOOGLE_DOMAIN = 'fabrikam.test';
export const seedGoogle = {
  client: { clientId: 'sandbox-google-client.apps.googleusercontent.test', clientSecret: 'sandbox-google-secret' },
  users: [{ id: '104200000000000000001', email: 'gina@fabrikam.test', name: 'Gina Green', password: 'gina-pass' }] as GoogleUser[],
  messages: [
    { from: 'jane@example.test', to: ['gina@fabrikam.test'], subject: 'Question about pricing', labelIds: ['INBOX', 'UNREAD'], daysAgo: 12 },
    { from: 'gina@fabrikam.test', to: ['jane@example.test'], subject: 'Re: Question about pricing', labelIds: ['SENT'], daysAgo: 11 },
    { from: 'news@list.example.test', to: ['gina@fabrikam.test'], subject: 'Weekly digest', labelIds: ['INBOX', 'CATEGORY_PROMOTIONS'], daysAgo: 5 },
    { from: 'alice@contoso.test', to: ['gina@fabrikam.test', 'dana@contoso.test'], subject: 'Partnership follow-up', labelIds: ['INBOX'], daysAgo: 2 },
    { from: 'gina@fabrikam.test', to: ['alice@contoso.test'], subject: 'Re: Partnership follow-up', labelIds: ['SENT'], daysAgo: 1 },
  ] as GoogleMessageSeed[],
  events: [
    { summary: 'Intro call with Jane', startDaysFromNow: -20, hours: 1, attendees: ['jane@example.test'], status: 'confirmed' },
    { summary: 'Contoso partnership review', startDaysFromNow: -3, hours: 1, attendees: ['alice@contoso.test'], status: 'confirmed' },
    { summary: 'Cancelled sync', startDaysFromNow: -1, hours: 1, attendees: ['jane@example.test'], status: 'cancelled' },
    { summary: 'Weekly pipeline', startDaysFromNow: 2, hours: 1, attendees: ['dana@contoso.test'], status: 'confirmed', recurringWeekly: 3 },
  ] as GoogleEventSeed[],
};

export const seedMessages: SeedMessage[] = [
  { mailbox: 'support@contoso.test', folder: 'INBOX', from: { name: 'Jane Customer', address: 'jane@example.test' }, to: [{ name: 'Contoso Support', address: 'support@contoso.test' }], subject: 'My order has not arrived', text: 'Hello, order #1001 has not arrived yet. Can you help?', daysAgo: 3, seen: true },
  { mailbox: 'support@contoso.test', folder: 'INBOX', from: { name: 'Jane Customer', address: 'jane@example.test' }, to: [{ name: 'Contoso Support', address: 'support@contoso.test' }], subject: 'Invoice question', text: 'Could you resend the invoice for March?', daysAgo: 1, seen: false },
  { mailbox: 'sales@contoso.test', folder: 'INBOX', from: { name: 'Jane Customer', address: 'jane@example.test' }, to: [{ name: 'Contoso Sales', address: 'sales@contoso.test' }], subject: 'Quote request', text: 'Please send a quote for 10 seats.', daysAgo: 2, seen: false },
  { mailbox: 'alice@contoso.test', folder: 'INBOX', from: { name: 'Jane Customer', address: 'jane@example.test' }, to: [{ name: 'Alice Archer', address: 'alice@contoso.test' }], subject: 'Thanks for the call', text: 'Great talking today.', daysAgo: 4, seen: true },
  { mailbox: 'alice@contoso.test', folder: 'Sent Items', from: { name: 'Alice Archer', address: 'alice@contoso.test' }, to: [{ name: 'Jane Customer', address: 'jane@example.test' }], subject: 'Follow-up', text: 'Following up on our call.', daysAgo: 4, seen: true },
  { mailbox: 'info@example.test', folder: 'INBOX', from: { name: 'Jane Customer', address: 'jane@example.test' }, to: [{ name: 'Example Info', address: 'info@example.test' }], subject: 'Hello info', text: 'Is anyone reading this inbox?', daysAgo: 1, seen: false },
];

function isoDaysFromNow(days: number, hour: number): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
}

/** Calendar events per tenant user (upn). Times are relative to now so calendarView windows find them. */
export function seedCalendars(): Map<string, CalendarEvent[]> {
  const created = isoDaysFromNow(-60, 9);
  const event = (id: string, subject: string, days: number, hour: number, hours: number, extra: Partial<CalendarEvent> = {}): CalendarEvent => ({
    id, subject, bodyHtml: '', startUtc: isoDaysFromNow(days, hour), endUtc: isoDaysFromNow(days, hour + hours),
    isAllDay: false, isCancelled: false,
    organizer: { name: 'Alice Archer', address: 'alice@contoso.test' },
    attendees: [], location: null, createdUtc: created, lastModifiedUtc: created, version: 1, ...extra,
  });
  return new Map([
    ['alice@contoso.test', [
      event('AAMkAGEvt-alice-001', 'Onboarding call with Jane', -10, 14, 1, {
        attendees: [{ name: 'Jane Customer', address: 'jane@example.test', response: 'accepted' }],
        location: { displayName: 'Teams' },
      }),
      event('AAMkAGEvt-alice-002', 'Quarterly review', -2, 9, 2, {
        attendees: [{ name: 'Dana Diaz', address: 'dana@contoso.test', response: 'accepted' }, { name: 'Jane Customer', address: 'jane@example.test', response: 'declined' }],
        location: {
          displayName: 'Contoso HQ',
          address: { street: '1 Main Street', city: 'Seattle', state: 'WA', countryOrRegion: 'United States', postalCode: '98101' },
          coordinates: { latitude: 47.6105, longitude: -122.321 },
        },
      }),
      event('AAMkAGEvt-alice-003', 'Team lunch', 1, 12, 1),
      event('AAMkAGEvt-alice-004', 'Cancelled demo', 3, 16, 1, { isCancelled: true, attendees: [{ name: 'Jane Customer', address: 'jane@example.test', response: 'none' }] }),
      event('AAMkAGEvt-alice-005', 'Planning day', 7, 0, 24, { isAllDay: true }),
    ]],
    ['dana@contoso.test', [
      event('AAMkAGEvt-dana-001', 'Support standup', -1, 8, 1, { organizer: { name: 'Dana Diaz', address: 'dana@contoso.test' } }),
      event('AAMkAGEvt-dana-002', 'Escalation with Jane', 2, 15, 1, { organizer: { name: 'Dana Diaz', address: 'dana@contoso.test' }, attendees: [{ name: 'Jane Customer', address: 'jane@example.test', response: 'tentativelyAccepted' }] }),
    ]],
    ['bob@contoso.test', [
      event('AAMkAGEvt-bob-001', 'Sales pipeline', 1, 10, 1, { organizer: { name: 'Bob Baker', address: 'bob@contoso.test' } }),
    ]],
    ['admin@contoso.test', []],
  ]);
}
