import { request } from './client';
import type { Profile } from '../stores/session';

export interface ProfileChanges {
  name?: string;
  display_name?: string | null;
  message_signature?: string | null;
  current_password?: string;
  password?: string;
  password_confirmation?: string;
}

/** Chatwoot's `/api/v1/profile` (fields under `profile[...]`), plus LeadChat's invitation answers. */
export const profileApi = {
  update: (profile: ProfileChanges) => request<Profile>('PUT', '/api/v1/profile', { profile }),
  acceptInvitation: (accountId: number) => request<Profile>('POST', `/api/v1/profile/invitations/${accountId}`),
  declineInvitation: (accountId: number) => request<Profile>('DELETE', `/api/v1/profile/invitations/${accountId}`),
};
