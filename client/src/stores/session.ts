import { defineStore } from 'pinia';
import { request, setCsrfToken } from '../api/client.js';

export interface ProfileAccount {
  id: number;
  name: string;
  role: 'administrator' | 'agent';
  /** The agent's own status in this account; only `online` agents get conversations automatically. */
  availability_status?: Availability;
}

export type Availability = 'online' | 'busy' | 'offline';

export interface PendingInvitation {
  account_id: number;
  account_name: string;
  role: 'administrator' | 'agent';
}

export interface Profile {
  id: number;
  name: string;
  display_name: string | null;
  email: string;
  available_name: string;
  message_signature: string | null;
  accounts: ProfileAccount[];
  pending_invitations: PendingInvitation[];
}

interface SessionResponse {
  data: Profile;
  csrf_token: string;
  /** The overlays the server runs; the others' screens stay hidden. */
  extensions: string[];
}

type SessionProbe = SessionResponse | { data: null };

export const useSessionStore = defineStore('session', {
  state: () => ({ profile: null as Profile | null, accountId: null as number | null, checked: false, extensions: [] as string[] }),
  getters: {
    currentAccount: (s) => s.profile?.accounts.find((a) => a.id === s.accountId) ?? null,
    isAdmin(): boolean {
      return this.currentAccount?.role === 'administrator';
    },
  },
  actions: {
    adopt(res: SessionResponse) {
      setCsrfToken(res.csrf_token);
      this.profile = res.data;
      this.extensions = res.extensions;
      const stored = Number(localStorage.getItem('leadchat.accountId'));
      this.accountId = res.data.accounts.find((a) => a.id === stored)?.id ?? res.data.accounts[0]?.id ?? null;
    },
    async restore() {
      try {
        const res = await request<SessionProbe>('GET', '/auth/session');
        if (res.data) this.adopt(res as SessionResponse);
        else this.profile = null;
      } finally {
        this.checked = true;
      }
    },
    async signIn(email: string, password: string) {
      this.adopt(await request<SessionResponse>('POST', '/auth/sign_in', { email, password }));
    },
    async signOut() {
      await request('DELETE', '/auth/sign_out');
      setCsrfToken(undefined);
      this.profile = null;
    },
    /** Chatwoot's `POST /profile/availability`, for the current account. */
    async setAvailability(availability: Availability) {
      this.profile = await request<Profile>('POST', '/api/v1/profile/availability', { profile: { account_id: this.accountId, availability } });
    },
    switchAccount(id: number) {
      this.accountId = id;
      localStorage.setItem('leadchat.accountId', String(id));
    },
  },
});
