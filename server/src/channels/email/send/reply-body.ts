import { convert } from 'html-to-text';
import juice from 'juice';
import { DateTime } from 'luxon';
import Mustache from 'mustache';
import { escapeHtml } from '../../../mailers/html.js';
import type { Message } from '../../../models/index.js';
import type { ReplyContext } from './reply-context.js';

/** A reply's bodies: the whole email, and its new part and quoted part apart (the conversation folds the quote away). */
export interface ComposedBody {
  html: string;
  text: string;
  reply_html: string;
  quoted_html: string | null;
}

/**
 * Mail clients ignore `<style>` blocks or parts of them (Gmail's app, Outlook.com's older views):
 * these rules are inlined into each element's `style` attribute by juice.
 */
const EMAIL_CSS = `
  .lc-body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; font-size: 14px; line-height: 1.5; color: #1f2937; }
  p { margin: 0 0 12px; }
  ul, ol { margin: 0 0 12px; padding-left: 24px; }
  a { color: #1d4ed8; }
  img { max-width: 100%; height: auto; }
  blockquote { margin: 0 0 12px; padding: 0 0 0 12px; border-left: 3px solid #d1d5db; color: #4b5563; }
  .lc-signature { margin-top: 16px; color: #4b5563; }
  .lc-quote-header, .lc-forward-header { margin: 16px 0 8px; color: #4b5563; }
`;

const emailOf = (m: Message) => ((m.content_attributes as { email?: Record<string, unknown> } | undefined)?.email ?? {});

/** Plain text as HTML: paragraphs on blank lines, line breaks kept. */
export function textToHtml(text: string): string {
  return text.split(/\n{2,}/).filter((p) => p.length).map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('\n');
}

/** `Jane Doe <jane@example.test>` for who sent a stored email (its parsed From, else the conversation's contact). */
function authorOf(message: Message, fallback: ReplyContext['contact']): string {
  const email = emailOf(message) as { participants?: { from?: { name?: string; address?: string }[] }; from?: unknown[] };
  const named = email.participants?.from?.[0];
  const address = named?.address ?? (typeof email.from?.[0] === 'string' ? (email.from[0] as string) : fallback.email ?? '');
  const name = named?.name && named.name !== address ? named.name : message.sender_type === 'Contact' ? fallback.name : '';
  return name ? `${name} <${address}>` : address;
}

const when = (date: Date, zone: string) => {
  const at = DateTime.fromJSDate(date, { zone });
  return (at.isValid ? at : DateTime.fromJSDate(date, { zone: 'UTC' })).toFormat("ccc, d LLL yyyy 'at' HH:mm");
};

/**
 * The agent's signature, then the inbox's (whose `{{agent.name}}`, `{{agent.email}}` and
 * `{{inbox.name}}` are filled in, HTML-escaped by Mustache). Both are plain text, as the settings store them.
 */
function signatureHtml(ctx: ReplyContext): string {
  const parts = [ctx.agent?.signature?.trim() ? escapeHtml(ctx.agent.signature.trim()) : ''];
  const template = ctx.inbox.email_signature?.trim();
  if (template) {
    const view = { agent: { name: ctx.agentName ?? '', email: ctx.agent?.email ?? '' }, inbox: { name: ctx.inbox.name } };
    // The template is plain text too: escaped before its placeholders are filled (values escaped by Mustache).
    parts.push(Mustache.render(escapeHtml(template), view, {}, { escape: escapeHtml }));
  }
  const lines = parts.filter(Boolean).map((p) => p.replace(/\r?\n/g, '<br>'));
  return lines.length ? `<div class="lc-signature">${lines.map((l) => `<p>${l}</p>`).join('')}</div>` : '';
}

/** "On <date>, Jane <jane@…> wrote:" and the previous message, as mail clients quote. */
function quoteHtml(ctx: ReplyContext, previous: Message): string {
  const header = `On ${when(previous.created_at, ctx.inbox.timezone)}, ${authorOf(previous, ctx.contact)} wrote:`;
  return `<div class="lc-quote"><p class="lc-quote-header">${escapeHtml(header)}</p><blockquote>${textToHtml(previous.content ?? '')}</blockquote></div>`;
}

/** The forwarded email's header block and its body (its HTML as received, else its text). */
function forwardHtml(ctx: ReplyContext, original: Message): string {
  const email = emailOf(original) as { subject?: string; to?: unknown[]; html_content?: { full?: string } };
  const lines = [
    '---------- Forwarded message ---------',
    `From: ${authorOf(original, ctx.contact)}`,
    `Date: ${when(original.created_at, ctx.inbox.timezone)}`,
    `Subject: ${email.subject ?? ctx.conversation.additional_attributes?.mail_subject ?? ''}`,
    ...(Array.isArray(email.to) && email.to.length ? [`To: ${email.to.join(', ')}`] : []),
  ];
  const body = email.html_content?.full || textToHtml(original.content ?? '');
  return `<div class="lc-forward"><p class="lc-forward-header">${lines.map(escapeHtml).join('<br>')}</p>${body}</div>`;
}

/**
 * The reply's HTML and plain text, built once as it is sent: the agent's text (the editor's HTML, or
 * plain `content` from API clients), the signatures once, then the quoted history or the forwarded
 * email. The plain-text part is converted from the same HTML (html-to-text), so both say the same.
 */
export function composeReplyBody(ctx: ReplyContext): ComposedBody {
  const attrs = ctx.message.content_attributes ?? {};
  const written = typeof attrs.body_html === 'string' && attrs.body_html.trim() ? attrs.body_html : textToHtml(ctx.message.content ?? '');
  const quoteWanted = typeof attrs.quote_history === 'boolean' ? attrs.quote_history : ctx.inbox.quote_history !== false;
  const quoted = ctx.forwarded ? forwardHtml(ctx, ctx.forwarded) : quoteWanted && ctx.lastIncoming ? quoteHtml(ctx, ctx.lastIncoming) : null;
  const inline = (html: string) => juice.inlineContent(`<div class="lc-body">${html}</div>`, EMAIL_CSS);
  const replyHtml = inline(`${written}${signatureHtml(ctx)}`);
  const quotedHtml = quoted ? inline(quoted) : null;
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${replyHtml}${quotedHtml ?? ''}</body></html>`;
  return { html, text: htmlAsText(html), reply_html: replyHtml, quoted_html: quotedHtml };
}

/** An email's plain-text alternative (and a reply's searchable `content`): images skipped, links kept, quotes as `> `. */
export function htmlAsText(html: string): string {
  return convert(html, {
    wordwrap: 76,
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      // The editor wraps each list item's text in a paragraph: a text list stays tight.
      { selector: 'li > p', format: 'inline' },
    ],
    // An empty paragraph (Enter pressed twice) is one blank line in text, as between any two paragraphs.
  }).replace(/\n{3,}/g, '\n\n').trim();
}
