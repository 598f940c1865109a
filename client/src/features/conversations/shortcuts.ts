/** The conversation screen's keyboard shortcuts: one key each, listed in the `?` help dialog. */
export const SHORTCUTS = [
  { key: 'j', action: 'next' },
  { key: 'k', action: 'previous' },
  { key: 'r', action: 'reply' },
  { key: 'n', action: 'note' },
  { key: 'e', action: 'resolve' },
  { key: 'i', action: 'assign_me' },
  { key: 'l', action: 'label' },
  { key: '?', action: 'help' },
] as const;
export type ShortcutAction = (typeof SHORTCUTS)[number]['action'];

/** Keys typed into a field are text, not shortcuts; so are keys with Ctrl, Alt or Meta (the browser's). */
export function shortcutFor(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'altKey' | 'metaKey' | 'target'>): ShortcutAction | null {
  if (event.ctrlKey || event.altKey || event.metaKey) return null;
  const target = event.target as { tagName?: string; isContentEditable?: boolean } | null;
  if (target && (['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName ?? '') || target.isContentEditable)) return null;
  return SHORTCUTS.find((s) => s.key === event.key.toLowerCase() || (s.key === '?' && event.key === '?'))?.action ?? null;
}

/** The conversation after (`step` 1) or before (-1) the open one in the list; the first one when none is open. */
export function neighbour(ids: number[], activeId: number | null, step: 1 | -1): number | null {
  if (!ids.length) return null;
  const at = activeId === null ? -1 : ids.indexOf(activeId);
  if (at === -1) return ids[0];
  return ids[Math.min(ids.length - 1, Math.max(0, at + step))];
}
