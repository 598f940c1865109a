/** The snooze menu's choices; `custom` asks for a time, `next_reply` sleeps until the customer writes. */
export const SNOOZE_CHOICES = ['next_reply', 'tomorrow', 'next_week', 'custom'] as const;
export type SnoozeChoice = (typeof SNOOZE_CHOICES)[number];

const MORNING_HOUR = 9;

/**
 * When a choice wakes the conversation, in unix seconds (local time, as the agent means it):
 * tomorrow 09:00, next Monday 09:00; `undefined` for "until the next reply".
 */
export function snoozeUntil(choice: Exclude<SnoozeChoice, 'custom'>, now = new Date()): number | undefined {
  if (choice === 'next_reply') return undefined;
  const at = new Date(now.getFullYear(), now.getMonth(), now.getDate(), MORNING_HOUR, 0, 0, 0);
  if (choice === 'tomorrow') at.setDate(at.getDate() + 1);
  else at.setDate(at.getDate() + (((8 - at.getDay()) % 7) || 7));
  return Math.floor(at.getTime() / 1000);
}

/** A `datetime-local` input's value as unix seconds; `undefined` when empty, invalid or not in the future. */
export function customSnooze(value: string, now = new Date()): number | undefined {
  const at = new Date(value);
  return Number.isNaN(at.getTime()) || at <= now ? undefined : Math.floor(at.getTime() / 1000);
}
