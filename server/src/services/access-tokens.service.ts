import { randomToken, sha256, type SecretBox } from '../lib/crypto.js';
import { Account, AccessToken, AccountUser, AgentBot, User } from '../models/index.js';
import type { AuthCache } from './auth-cache.js';

/**
 * API access tokens (Chatwoot's `api_access_token`). The digest is what requests are matched
 * against; the ciphertext lets the profile show the token to its owner again.
 */
export class AccessTokenService {
  constructor(
    private readonly secrets: SecretBox,
    private readonly cache?: AuthCache,
  ) {}

  issue(user: User): Promise<string> {
    return this.issueFor('User', user.id);
  }

  async tokenFor(user: User): Promise<string> {
    const row = await AccessToken.findOne({ where: { owner_type: 'User', owner_id: user.id } });
    return row ? this.secrets.decrypt(row.token_ciphertext) : this.issue(user);
  }

  /** An agent bot's token (Chatwoot's `AgentBot#access_token`): issued with the bot, shown to administrators. */
  issueForBot(bot: AgentBot): Promise<string> {
    return this.issueFor('AgentBot', bot.id);
  }

  /** A new token for the owner, replacing the one it had. */
  private async issueFor(ownerType: 'User' | 'AgentBot', ownerId: number): Promise<string> {
    const token = randomToken(24);
    await AccessToken.destroy({ where: { owner_type: ownerType, owner_id: ownerId } });
    await AccessToken.create({ owner_type: ownerType, owner_id: ownerId, token_digest: sha256(token), token_ciphertext: this.secrets.encrypt(token) });
    return token;
  }

  async botTokens(bots: AgentBot[]): Promise<Map<number, string>> {
    const rows = bots.length ? await AccessToken.findAll({ where: { owner_type: 'AgentBot', owner_id: bots.map((b) => b.id) } }) : [];
    return new Map(rows.map((r) => [Number(r.owner_id), this.secrets.decrypt(r.token_ciphertext)]));
  }

  /** Bot tokens are not cached: a deleted bot's token stops working at once. */
  async findAgentBot(token: string): Promise<AgentBot | null> {
    if (!token || token.length > 256) return null;
    const row = await AccessToken.findOne({ where: { token_digest: sha256(token), owner_type: 'AgentBot' } });
    return row ? AgentBot.findByPk(row.owner_id) : null;
  }

  async revokeBotToken(bot: AgentBot): Promise<void> {
    await AccessToken.destroy({ where: { owner_type: 'AgentBot', owner_id: bot.id } });
  }

  async findUser(token: string): Promise<User | null> {
    if (!token || token.length > 256) return null;
    const digest = sha256(token);
    const load = async (): Promise<[User] | null> => {
      const row = await AccessToken.findOne({ where: { token_digest: digest, owner_type: 'User' } });
      const user = row ? await User.findByPk(row.owner_id) : null;
      return user ? [user] : null;
    };
    const found = this.cache ? await this.cache.get<[User]>(`token:${digest}`, [User], load) : await load();
    return found?.[0] ?? null;
  }

  /** The user's accepted membership of the account, with the account (active or not). */
  async membership(userId: number, accountId: number): Promise<{ accountUser: AccountUser; account: Account } | null> {
    const load = async (): Promise<[AccountUser, Account] | null> => {
      const accountUser = await AccountUser.findOne({
        where: { account_id: accountId, user_id: userId, invitation_pending: false },
        include: [{ model: Account, as: 'account' }],
      });
      const account = (accountUser as (AccountUser & { account?: Account }) | null)?.account;
      return accountUser && account ? [accountUser, account] : null;
    };
    const found = this.cache ? await this.cache.get<[AccountUser, Account]>(`member:${userId}:${accountId}`, [AccountUser, Account], load) : await load();
    return found ? { accountUser: found[0], account: found[1] } : null;
  }
}
