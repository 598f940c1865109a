import type { AccountUser, User } from '../models/index.js';

const unix = (d: Date | null | undefined) => (d ? Math.floor(d.getTime() / 1000) : null);

/** The columns an agent payload reads: a model instance or a plain row (never the password digest). */
export type AgentUser = Pick<User, 'id' | 'email' | 'name' | 'display_name' | 'confirmed_at'>;

/** Chatwoot's agent payload (`/agents`, inbox members, assignees). */
export function serializeAgent(user: AgentUser, accountUser?: Pick<AccountUser, 'invitation_pending' | 'invited_name' | 'account_id' | 'availability' | 'auto_offline' | 'role'> | null) {
  // Until an invited existing user accepts, the account sees only what its administrator typed.
  const pending = !!accountUser?.invitation_pending;
  const name = pending ? (accountUser!.invited_name ?? user.email) : user.name;
  return {
    id: user.id,
    account_id: accountUser?.account_id ?? null,
    availability_status: accountUser?.availability ?? 'offline',
    auto_offline: accountUser?.auto_offline ?? true,
    confirmed: !!user.confirmed_at && !pending,
    email: user.email,
    available_name: pending ? name : user.display_name || user.name,
    name,
    role: accountUser?.role ?? null,
    thumbnail: '',
    custom_role_id: null,
  };
}

/** `/agents` answers add LeadChat's own: whether the invitation email went out, and the provider's reason when it did not. */
export function serializeAgentListing(user: User, accountUser: AccountUser) {
  return { ...serializeAgent(user, accountUser), invitation_status: accountUser.invitation_status ?? null, invitation_error: accountUser.invitation_error ?? null };
}

/** Chatwoot's `/profile` payload: the signed-in user with their token and accounts. */
type MembershipWithAccount = AccountUser & { account?: { name: string; status: string } };

export function serializeProfile(user: User, accessToken: string, memberships: MembershipWithAccount[], invitations: MembershipWithAccount[] = []) {
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
    // LeadChat's own: accounts that invited this user and wait for them to accept.
    pending_invitations: invitations.map((m) => ({ account_id: m.account_id, account_name: m.account?.name ?? '', role: m.role })),
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
