// Relative imports carry .js: this module is also type-checked from the mocha tests under NodeNext.
import DOMPurify from 'dompurify';
import Mustache from 'mustache';
import type { Message } from '../../api/types.js';

/**
 * Word, Outlook and Gmail paste their own markup (mso classes, `<o:p>`, inline styles, fonts,
 * conditional comments): only the structure survives; the editor's schema then keeps what it knows.
 */
export function cleanPastedHtml(html: string): string {
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ['style', 'meta', 'link', 'title', 'font', 'o:p', 'script', 'svg', 'math', 'form', 'input', 'button'],
    FORBID_ATTR: ['style', 'class', 'id', 'lang', 'width', 'height', 'align', 'face', 'size', 'color'],
    ALLOW_DATA_ATTR: false,
  });
}

export const readImage = (file: File): Promise<string> =>
  new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('could not read the image'));
    reader.readAsDataURL(file);
  });

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Plain text (a canned response) as editor paragraphs. */
export const textToHtml = (text: string): string =>
  text.split(/\n{2,}/).map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('');

export interface PlaceholderValues {
  contact: { name: string; email: string; phone_number: string };
  agent: { name: string; email: string };
}

/** Chatwoot's placeholders (`{{contact.name}}`, `{{agent.name}}`...) filled in; unknown ones become empty. */
export const fillPlaceholders = (content: string, values: PlaceholderValues): string => Mustache.render(content, values, {}, { escape: (s: string) => s });

/** The editor's HTML, ready to send: its pasted images become `cid:` parts uploaded beside it. */
export interface OutgoingBody {
  html: string;
  text: string;
  inline: { file: File; contentId: string }[];
}

function dataUrlToFile(src: string, name: string): File | null {
  const m = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s.exec(src);
  if (!m) return null;
  const bytes = Uint8Array.from(atob(m[2]), (c) => c.charCodeAt(0));
  return new File([bytes], name, { type: m[1] });
}

export function outgoingBody(html: string): OutgoingBody {
  const doc = new DOMParser().parseFromString(DOMPurify.sanitize(html), 'text/html');
  const inline: OutgoingBody['inline'] = [];
  doc.querySelectorAll('img').forEach((img, i) => {
    const src = img.getAttribute('src') ?? '';
    if (!src.startsWith('data:')) return;
    const type = /^data:image\/(\w+)/.exec(src)?.[1] ?? 'png';
    const contentId = `img${i + 1}.${crypto.randomUUID()}@leadchat`;
    const file = dataUrlToFile(src, `image-${i + 1}.${type === 'jpeg' ? 'jpg' : type}`);
    if (!file) return img.remove();
    inline.push({ file, contentId });
    img.setAttribute('src', `cid:${contentId}`);
  });
  return { html: doc.body.innerHTML, text: (doc.body.innerText ?? doc.body.textContent ?? '').trim(), inline };
}

/** The addresses an email was sent to (To and Cc), as the message stores them. */
const recipientsOf = (m: Message): string[] => {
  const email = m.content_attributes.email;
  return [...(email?.to ?? []), ...(email?.cc ?? [])].map((a) => a.toLowerCase());
};

/**
 * Reply all: the customer in To, everyone else the last email went to in Cc, without the inbox's own
 * addresses (and without the customer twice).
 */
export function replyAllRecipients(last: Message | undefined, contactEmail: string | null, ours: string[]): { to: string; cc: string } {
  const own = new Set(ours.filter(Boolean).map((a) => a.toLowerCase()));
  const from = (last?.content_attributes.email?.from ?? []).map((a) => a.toLowerCase());
  const to = [...new Set([...(from.length ? from : contactEmail ? [contactEmail.toLowerCase()] : [])])].filter((a) => !own.has(a));
  const cc = [...new Set(last ? recipientsOf(last) : [])].filter((a) => !own.has(a) && !to.includes(a));
  return { to: to.join(', '), cc: cc.join(', ') };
}

/**
 * A private note's `content` as Chatwoot stores it: each mention chip becomes
 * `[@Name](mention://user/<id>/<Name>)` (or `team`), the rest plain text.
 */
export function noteContent(html: string): string {
  const doc = new DOMParser().parseFromString(DOMPurify.sanitize(html), 'text/html');
  doc.querySelectorAll('span[data-type="mention"]').forEach((span) => {
    const id = span.getAttribute('data-id') ?? '';
    const label = span.getAttribute('data-label') ?? '';
    if (!/^(user|team)\/\d+$/.test(id)) return;
    span.replaceWith(`[@${label}](mention://${id}/${encodeURIComponent(label)})`);
  });
  return (doc.body.innerText ?? doc.body.textContent ?? '').trim();
}
