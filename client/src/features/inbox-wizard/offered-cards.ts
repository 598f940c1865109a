import type { EmailProviderCard } from '../../extensions/slot-types.js';

/** The wizard's cards for the providers the server has registered, in slot order; the others are hidden. */
export function offeredCards(cards: EmailProviderCard[], serverProviders: { id: string }[]): EmailProviderCard[] {
  const registered = new Set(serverProviders.map((p) => p.id));
  return cards.filter((c) => registered.has(c.id));
}
