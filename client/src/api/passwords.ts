import { request } from './client';

interface PasswordAnswer {
  success: boolean;
  message: string;
}

/** Devise's `/auth/password`, as Chatwoot's dashboard calls it: ask for a reset link, set a password with a link's token. */
export const passwordsApi = {
  requestReset: (email: string) => request<PasswordAnswer>('POST', '/auth/password', { email }),
  set: (body: { reset_password_token: string; password: string; password_confirmation: string }) => request<PasswordAnswer & { email: string }>('PUT', '/auth/password', body),
};
