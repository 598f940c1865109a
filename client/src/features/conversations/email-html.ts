/**
 * Shows an email's HTML safely: DOMPurify removes scripts, handlers and dangerous URLs; inline images
 * (`cid:` references) point at their attachment's download route; remote images and CSS `url()`s are
 * dropped (the dashboard's CSP allows same-origin images only, and remote images track readers).
 */
import type { DOMPurify } from 'dompurify';
import type { Attachment } from '../../api/types.js';

/** Content-ID (no brackets, case-insensitive) -> the attachment's data_url. */
export function cidTargets(attachments: Pick<Attachment, 'content_id' | 'data_url'>[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const a of attachments) {
    const id = a.content_id?.replace(/^<|>$/g, '').trim().toLowerCase();
    if (id && a.data_url) map.set(id, a.data_url);
  }
  return map;
}

/** `cid:part1@x` -> its data_url; `null` for an unknown part. URL-encoded ids (`cid:a%40b`) are decoded first. */
export function resolveCid(src: string, targets: Map<string, string>): string | null {
  const match = /^cid:(.+)$/i.exec(src.trim());
  if (!match) return null;
  let id = match[1].trim();
  try {
    id = decodeURIComponent(id);
  } catch {
    // Keep the raw id: a stray `%` is not worth failing the whole email over.
  }
  return targets.get(id.replace(/^<|>$/g, '').toLowerCase()) ?? null;
}

/** Same-origin paths, data: and blob: images load under the dashboard's CSP; nothing else does. */
export function isAllowedImageSource(src: string): boolean {
  return /^(data:image\/|blob:)/i.test(src) || (src.startsWith('/') && !src.startsWith('//'));
}

/**
 * Renames `on*=` handler attributes inside tags before DOMPurify parses the HTML. Chromium reports a
 * CSP violation (a console error) for every inline handler it parses, even in DOMPurify's inert
 * document; DOMPurify still removes whatever this pass misses, so it is hygiene, not the defence.
 */
export function neutraliseHandlers(html: string): string {
  return html.replace(/<[a-z][^>]*>/gi, (tag) => tag.replace(/([\s/"'])(on[a-z]+\s*=)/gi, '$1data-blocked-$2'));
}

const FORBID_TAGS = ['style', 'link', 'meta', 'base', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'];

/** Sanitises `html` with a DOMPurify instance; hooks are set for this call only. */
export function renderEmailHtml(purify: DOMPurify, html: string, attachments: Pick<Attachment, 'content_id' | 'data_url'>[]): { html: string; blockedImages: number } {
  const targets = cidTargets(attachments);
  let blockedImages = 0;
  purify.addHook('afterSanitizeAttributes', (node) => {
    const el = node as Element;
    if (el.tagName === 'IMG') {
      const src = el.getAttribute('src') ?? '';
      const resolved = resolveCid(src, targets);
      if (resolved) el.setAttribute('src', resolved);
      else if (!isAllowedImageSource(src)) {
        if (src) blockedImages++;
        el.removeAttribute('src');
      }
      el.removeAttribute('srcset');
    }
    if (el.tagName === 'A' && el.getAttribute('href')) {
      el.setAttribute('target', '_blank');
      el.setAttribute('rel', 'noopener noreferrer nofollow');
    }
    for (const attr of ['background', 'poster']) el.removeAttribute?.(attr);
    const style = el.getAttribute?.('style');
    if (style && /url\s*\(/i.test(style)) el.setAttribute('style', style.replace(/url\s*\([^)]*\)/gi, 'none'));
  });
  try {
    const clean = purify.sanitize(neutraliseHandlers(html), { FORBID_TAGS, FORBID_ATTR: ['id', 'name'], ALLOW_DATA_ATTR: false }) as unknown as string;
    return { html: clean, blockedImages };
  } finally {
    purify.removeHook('afterSanitizeAttributes');
  }
}
