import { randomToken, sha256, type SecretBox } from '../lib/crypto.js';
import { AccessToken, User } from '../models/index.js';

/**
 * API access tokens (Chatwoot's `api_access_token`). The digest is what requests are matched
 * against; the ciphertext lets the profile show the token to its owner again.
 */
export class AccessTokenService {
  constructor(private readonly secrets: SecretBox) {}

  async issue(user: User): Promise<string> {
    const token = randomToken(24);
    await AccessToken.destroy({ where: { owner_type: 'User', owner_id: user.id } });
    await AccessToken.create({ owner_type: 'User', owner_id: user.id, token_digest: sha256(token), token_ciphertext: this.secrets.encrypt(token) });
    return token;
  }

  async tokenFor(user: User): Promise<string> {
    const row = await AccessToken.findOne({ where: { owner_type: 'User', owner_id: user.id } });
    return row ? this.secrets.decrypt(row.token_ciphertext) : this.issue(user);
  }

  async findUser(token: string): Promise<User | null> {
    if (!token || token.length > 256) return null;
    const row = await AccessToken.findOne({ where: { token_digest: sha256(token), owner_type: 'User' } });
    return row ? User.findByPk(row.owner_id) : null;
  }
}
