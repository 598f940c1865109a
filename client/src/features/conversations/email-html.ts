/**
 * Shows an email's HTML safely: DOMPurify removes scripts, handlers and dangerous URLs; inline images
 * (`cid:` references) point at their attachment's download route; everything else that would load a
 * remote resource (img, picture sources, media, SVG images, backgrounds, CSS `url()` however escaped)
 * is dropped here — the dashboard's CSP is the second line, not the first, and remote content tracks
 * readers. Styles that would let an email escape its box (fixed/sticky positioning, z-index) go too.
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

const FORBID_TAGS = [
  'style', 'link', 'meta', 'base', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'frame', 'object', 'embed',
  // Media and alternative sources fetch on their own (autoplay, preload, poster, srcset).
  'video', 'audio', 'source', 'track', 'image', 'feimage',
];

/** Attributes that make a browser fetch something, on any element (img's src is handled apart). */
const FETCHING_ATTRIBUTES = ['srcset', 'lowsrc', 'dynsrc', 'poster', 'background', 'data', 'xlink:href', 'ping'];

/** A CSS value that loads or computes something: url() (however escaped), image-set(), IE's expression(). */
const LOADING_CSS = /url\s*\(|image-set\s*\(|expression\s*\(|@import/i;

/**
 * Keeps the declarations of an inline style that stay inside the email's box: the browser's own CSS
 * parser reads them (so `u\72l(...)` arrives as `url(...)`), and what loads, floats over the app
 * (fixed, sticky) or stacks above it (z-index) is removed.
 */
function containStyle(el: HTMLElement): void {
  const decl = el.style;
  if (!decl) return;
  for (let i = decl.length - 1; i >= 0; i--) {
    const prop = decl.item(i);
    const value = decl.getPropertyValue(prop);
    if (LOADING_CSS.test(value) || prop === 'z-index' || (prop === 'position' && !/^(static|relative)$/i.test(value.trim()))) {
      decl.removeProperty(prop);
    }
  }
  const rest = el.getAttribute('style') ?? '';
  // Whatever the parser kept verbatim (an unknown property, a custom property) must not load either.
  if (LOADING_CSS.test(rest.replace(/\\([0-9a-f]{1,6}\s?|.)/gi, (_, c: string) => (/^[0-9a-f]/i.test(c) ? String.fromCodePoint(parseInt(c, 16)) : c)))) {
    el.removeAttribute('style');
  } else if (!rest.trim()) {
    el.removeAttribute('style');
  }
}

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
    if (el.localName === 'a' && el.getAttribute('href')) {
      el.setAttribute('target', '_blank');
      el.setAttribute('rel', 'noopener noreferrer nofollow');
    } else if (el.tagName !== 'IMG') {
      el.removeAttribute?.('src');
      el.removeAttribute?.('href');
    }
    for (const attr of FETCHING_ATTRIBUTES) el.removeAttribute?.(attr);
    if (el.getAttribute?.('style')) containStyle(el as HTMLElement);
  });
  try {
    const clean = purify.sanitize(neutraliseHandlers(html), { FORBID_TAGS, FORBID_ATTR: ['id', 'name'], ALLOW_DATA_ATTR: false }) as unknown as string;
    return { html: clean, blockedImages };
  } finally {
    purify.removeHook('afterSanitizeAttributes');
  }
}
