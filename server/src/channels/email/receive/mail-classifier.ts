/**
 * What kind of email arrived: a person writing, or one of the automatic kinds a helpdesk must not
 * treat as a customer speaking (vacation replies, delivery reports, read receipts, abuse complaints,
 * aggregate reports, list traffic). Pure: it sees only what the parser extracted.
 */
export const MAIL_CLASSES = ['human', 'auto_reply', 'bounce', 'delivery_delay', 'read_receipt', 'complaint', 'report', 'list'] as const;
export type MailClass = (typeof MAIL_CLASSES)[number];

export interface MailClassPolicy {
  /** Reopens a resolved or snoozed conversation. */
  reopens: boolean;
  /** Starts the customer's wait (what SLAs and "waiting since" measure). */
  customerReply: boolean;
  /** May be answered by automation (RFC 3834 §2: never answer automatic or list mail). */
  autoAnswer: boolean;
  /** `conversation`: a message in a customer conversation; `filed`: kept on the inbox's Health tab only. */
  filing: 'conversation' | 'filed';
}

/**
 * The one place that decides what each class does. A bounce reopens (an agent's reply did not arrive
 * and someone has to act) without being the customer's turn; complaints and aggregate reports are
 * about the mail system, not a customer, so they are filed apart; a human's list post is a reply like
 * any other but is never auto-answered.
 */
export const MAIL_CLASS_POLICY: Record<MailClass, MailClassPolicy> = {
  human: { reopens: true, customerReply: true, autoAnswer: true, filing: 'conversation' },
  auto_reply: { reopens: false, customerReply: false, autoAnswer: false, filing: 'conversation' },
  bounce: { reopens: true, customerReply: false, autoAnswer: false, filing: 'conversation' },
  delivery_delay: { reopens: false, customerReply: false, autoAnswer: false, filing: 'conversation' },
  read_receipt: { reopens: false, customerReply: false, autoAnswer: false, filing: 'conversation' },
  complaint: { reopens: false, customerReply: false, autoAnswer: false, filing: 'filed' },
  report: { reopens: false, customerReply: false, autoAnswer: false, filing: 'filed' },
  list: { reopens: true, customerReply: true, autoAnswer: false, filing: 'conversation' },
};

export interface ClassifierInput {
  /** Header values by lower-case name, decoded to text. */
  headers: ReadonlyMap<string, string[]>;
  subject: string;
  /** The From address (lower case), or null when there is none. */
  from: string | null;
  /** Lower-case `type/subtype` of the top-level part. */
  contentType: string;
  /** Its `report-type` parameter, lower case. */
  reportType: string | null;
  /** Every non-body part: type, file name and (for small report parts) bytes. */
  parts: { contentType: string; filename: string; content?: Buffer }[];
  /** The raw MIME as latin1 text (DSN fields are read from it: parsers fold those parts into the body). */
  raw: string;
}

export interface Classification {
  mailClass: MailClass;
  /** Which signal decided, for logs and the agent's tooltip. */
  signal: string;
}

// Localised subject prefixes of vacation responders (Exchange, Gmail, Apple, Zimbra, ...).
const AUTO_REPLY_SUBJECT = new RegExp(
  '^\\s*(' + [
    'automatic reply', 'auto(matic)?[ -]?reply', 'auto[ -]?response', 'out of (the )?office', 'autoreply',
    'abwesenheitsnotiz', 'automatische antwort', 'r[ée]ponse automatique', 'absence du bureau', 'respuesta autom[áa]tica',
    'fuera de la oficina', 'risposta automatica', 'fuori sede', 'automatisch antwoord', 'afwezig', 'resposta autom[áa]tica',
    'automatyczna odpowied[źz]', 'autosvar', 'automaattinen vastaus', 'automatick[áa] odpov[ěe]ď', 'автоматический ответ',
    'otomatik yan[ıi]t', '自動応答', '自動返信', '不在', '自动回复', '自動回覆', '자동 응답',
  ].join('|') + ')\\s*[:：]',
  'i',
);
const DELAY_SUBJECT = /^\s*(delivery status notification \(delay\)|warning: could not send message|delayed mail|delivery delayed|mail delivery delayed)/i;
const BOUNCE_SUBJECT = /^\s*(undeliver(able|ed)|delivery status notification \(failure\)|mail delivery (failed|failure|system)|returned mail|failure notice|delivery failure|mail system error|nondeliverable)/i;
const SYSTEM_SENDER = /^(mailer-daemon|postmaster)@/i;
const LIST_ENVELOPE = /^(owner-[^@]+|[^@]+-(bounces?|request|owner)(\+[^@]*)?)@/i;

export function classifyMail(input: ClassifierInput): Classification {
  const header = (name: string) => input.headers.get(name)?.[0]?.trim().toLowerCase() ?? '';
  const has = (name: string) => (input.headers.get(name)?.length ?? 0) > 0;
  const partTypes = input.parts.map((p) => p.contentType);
  const decided = (mailClass: MailClass, signal: string): Classification => ({ mailClass, signal });

  if (input.reportType === 'feedback-report' || partTypes.includes('message/feedback-report')) return decided('complaint', 'ARF feedback report');

  if (input.reportType === 'delivery-status' || partTypes.includes('message/delivery-status')) {
    const dsn = deliveryStatus(input.raw);
    if (dsn === 'delayed' || (dsn === null && DELAY_SUBJECT.test(input.subject))) return decided('delivery_delay', 'delivery-status report: delayed');
    if (dsn === 'delivered') return decided('report', 'delivery-status report: delivered');
    return decided('bounce', 'delivery-status report: failed');
  }

  if (input.reportType === 'disposition-notification' || partTypes.includes('message/disposition-notification')) return decided('read_receipt', 'disposition notification (MDN)');
  if (input.parts.some((p) => p.contentType === 'application/ms-tnef' && p.content && /IPM\.Note\.IPN(N)?RN|REPORT\.IPM\.Note\.IPN/i.test(p.content.toString('latin1')))) {
    return decided('read_receipt', 'Outlook read receipt (TNEF)');
  }

  if (isAggregateReport(input, partTypes)) return decided('report', 'DMARC / TLS aggregate report');

  const returnPath = input.headers.get('return-path')?.map((v) => v.trim()) ?? [];
  const nullSender = returnPath.some((v) => v === '<>' || v === '');
  if ((input.from && SYSTEM_SENDER.test(input.from)) || (!input.from && nullSender)) {
    if (DELAY_SUBJECT.test(input.subject)) return decided('delivery_delay', 'mailer-daemon delay notice');
    if (BOUNCE_SUBJECT.test(input.subject) || (input.from && SYSTEM_SENDER.test(input.from))) return decided('bounce', 'mailer-daemon notice');
  }

  const listHeaders = has('list-id') || has('list-unsubscribe') || has('list-post');
  const autoSubmitted = header('auto-submitted');
  // Newsletter software marks its mail auto-generated too; only a responder's reply is an auto-reply there.
  if (autoSubmitted.startsWith('auto-generated') && listHeaders) return decided('list', 'List-* headers (auto-generated)');
  if (autoSubmitted && autoSubmitted !== 'no') return decided('auto_reply', `Auto-Submitted: ${autoSubmitted}`);
  if (has('x-autoreply') || has('x-autorespond') || has('x-autoresponder')) return decided('auto_reply', 'X-Autoreply');
  if (header('x-apple-action') === 'vacation' || has('x-apple-vacation')) return decided('auto_reply', 'Apple vacation');
  if (header('precedence') === 'auto_reply') return decided('auto_reply', 'Precedence: auto_reply');
  if (AUTO_REPLY_SUBJECT.test(input.subject)) return decided('auto_reply', 'automatic-reply subject');
  // Exchange marks its own automatic mail this way; on a person's mail it only asks others not to auto-answer.
  if (/\b(all|oof)\b/.test(header('x-auto-response-suppress')) && (has('x-ms-exchange-inbox-rules-loop') || header('x-ms-exchange-generated-message-source'))) {
    return decided('auto_reply', 'Exchange automatic message');
  }

  if (listHeaders) return decided('list', 'List-* headers');
  const precedence = header('precedence');
  if (precedence === 'bulk' || precedence === 'list') return decided('list', `Precedence: ${precedence}`);
  const envelope = [...returnPath, ...(input.headers.get('sender') ?? [])].map((v) => v.replace(/^.*</, '').replace(/>.*$/, '').trim());
  if (envelope.some((a) => LIST_ENVELOPE.test(a))) return decided('list', 'list envelope sender');
  if (nullSender) return decided('auto_reply', 'null Return-Path');
  if (precedence === 'junk') return decided('auto_reply', 'Precedence: junk');

  return decided('human', 'no automatic signal');
}

/** The most serious Action of a DSN's recipients (failed > delayed > delivered), or null when none is readable. */
function deliveryStatus(raw: string): 'failed' | 'delayed' | 'delivered' | null {
  const actions = [...raw.matchAll(/^Action:\s*([a-z]+)/gim)].map((m) => m[1].toLowerCase());
  const statuses = [...raw.matchAll(/^Status:\s*([245])\.\d{1,3}\.\d{1,3}/gm)].map((m) => m[1]);
  if (actions.includes('failed') || statuses.includes('5')) return 'failed';
  if (actions.includes('delayed') || statuses.includes('4')) return 'delayed';
  if (actions.length && actions.every((a) => ['delivered', 'relayed', 'expanded'].includes(a))) return 'delivered';
  return null;
}

function isAggregateReport(input: ClassifierInput, partTypes: string[]): boolean {
  if (partTypes.some((t) => t.startsWith('application/tlsrpt')) || input.contentType.startsWith('application/tlsrpt')) return true;
  if (input.headers.has('tls-report-domain') || input.headers.has('tls-report-submitter')) return true;
  if (/^\s*report domain:/i.test(input.subject)) return true;
  const archive = /^application\/(zip|gzip|x-gzip|x-zip-compressed|octet-stream)$/;
  const archives = input.parts.filter((p) => archive.test(p.contentType));
  if (input.from && /^noreply-dmarc-support@|^dmarc(reports?|_?rua)?[-@]|^opendmarc@/i.test(input.from) && archives.length) return true;
  // DMARC reporters name the file receiver!policy-domain!begin!end(.xml).(zip|gz).
  return archives.some((p) => /^[^!]+![^!]+!\d+!\d+/.test(p.filename));
}
