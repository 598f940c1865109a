import { computed, type ComputedRef } from 'vue';
import { useSessionStore } from '../stores/session.js';

/** What an overlay may know of the signed-in session: read-only, no profile editing, no sign-out. */
export interface SessionView {
  userId: ComputedRef<number | null>;
  accountId: ComputedRef<number | null>;
  isAdmin: ComputedRef<boolean>;
}

export function useSession(): SessionView {
  const store = useSessionStore();
  return {
    userId: computed(() => store.profile?.id ?? null),
    accountId: computed(() => store.accountId),
    isAdmin: computed(() => store.isAdmin),
  };
}
