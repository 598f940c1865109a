import type { Label } from '../models/index.js';

/** Chatwoot's label payload. */
export function serializeLabel(label: Label) {
  return { id: label.id, title: label.title, description: label.description ?? null, color: label.color, show_on_sidebar: label.show_on_sidebar };
}
