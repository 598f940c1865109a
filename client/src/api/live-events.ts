import { accountUrl } from './client';
import type { Conversation, Message } from './types';

export interface LiveHandlers {
  'message.created'(m: Message): void;
  'message.updated'(m: Message): void;
  'conversation.created'(c: Conversation): void;
  'conversation.updated'(c: Conversation): void;
  /** The stream (re)connected: whatever happened while it was down is only in a reload. */
  open?(): void;
}

const EVENTS = ['message.created', 'message.updated', 'conversation.created', 'conversation.updated'] as const;

/** The account's Server-Sent Events stream; EventSource reconnects by itself. Returns a closer. */
export function subscribeLive(accountId: number, handlers: LiveHandlers): () => void {
  const source = new EventSource(accountUrl(accountId, '/events'), { withCredentials: true });
  let opened = false;
  source.onopen = () => {
    if (opened) handlers.open?.();
    opened = true;
  };
  for (const name of EVENTS) {
    source.addEventListener(name, (e) => {
      const { data } = JSON.parse((e as MessageEvent<string>).data) as { data: unknown };
      if (data) (handlers[name] as (p: unknown) => void)(data);
    });
  }
  return () => source.close();
}
