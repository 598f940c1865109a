import type { AccountUser, User } from '../../models/index.js';

const unix = (d: Date | null | undefined) => (d ? Math.floor(d.getTime() / 1000) : null);

/** Chatwoot's agent payload (`/agents`, inbox members, assignees). */
export function serializeAgent(user: User, accountUser?: AccountUser | null) {
  return {
    id: user.id,
    account_id: accountUser?.account_id ?? null,
    availability_status: accountUser?.availability ?? 'offline',
    auto_offline: accountUser?.auto_offline ?? true,
    confirmed: !!user.confirmed_at,
    email: user.email,
    available_name: user.availableName,
    name: user.name,
    role: accountUser?.role ?? null,
    thumbnail: '',
    custom_role_id: null,
  };
}

/** Chatwoot's `/profile` payload: the signed-in user with their token and accounts. */
export function serializeProfile(user: User, accessToken: string, memberships: (AccountUser & { account?: { name: string; status: string } })[]) {
  const first = memberships[0];
  return {
    id: user.id,
    uid: user.email,
    provider: 'email',
    type: user.type ?? 'User',
    name: user.name,
    display_name: user.display_name,
    available_name: user.availableName,
    email: user.email,
    avatar_url: '',
    confirmed: !!user.confirmed_at,
    message_signature: user.message_signature,
    ui_settings: user.ui_settings,
    custom_attributes: user.custom_attributes,
    access_token: accessToken,
    account_id: first?.account_id ?? null,
    role: first?.role ?? null,
    accounts: memberships.map((m) => ({
      id: m.account_id,
      name: m.account?.name ?? '',
      status: m.account?.status ?? 'active',
      role: m.role,
      availability: m.availability,
      availability_status: m.availability,
      auto_offline: m.auto_offline,
      active_at: unix(m.active_at),
    })),
  };
}

/** Platform API user payload: includes the user's API access token, as Chatwoot's does. */
export function serializePlatformUser(user: User, accessToken: string) {
  return {
    id: user.id,
    name: user.name,
    display_name: user.display_name,
    email: user.email,
    uid: user.email,
    provider: 'email',
    confirmed: !!user.confirmed_at,
    custom_attributes: user.custom_attributes,
    access_token: accessToken,
    created_at: user.created_at,
  };
}

export { unix };
