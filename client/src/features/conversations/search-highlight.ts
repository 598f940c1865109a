/**
 * A search result's `search_highlight.html` as plain-text parts, each marked or not. The API escapes
 * the text and adds only `<mark>` elements; the list renders these parts as text (never as HTML), so
 * nothing but the marks can become markup even if a server answered something else.
 */
export interface HighlightPart {
  text: string;
  marked: boolean;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescape = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]);

export function highlightParts(html: string): HighlightPart[] {
  const parts: HighlightPart[] = [];
  const re = /<mark>([\s\S]*?)<\/mark>/g;
  let at = 0;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    if (m.index > at) parts.push({ text: unescape(html.slice(at, m.index)), marked: false });
    parts.push({ text: unescape(m[1]), marked: true });
    at = m.index + m[0].length;
  }
  if (at < html.length) parts.push({ text: unescape(html.slice(at)), marked: false });
  return parts;
}
