import type { Redis } from 'ioredis';
import { Op, type Sequelize } from 'sequelize';
import { z } from 'zod';
import { randomToken, type SecretBox } from '../lib/crypto.js';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { VersionedCache } from '../lib/versioned-cache.js';
import { attributesHash, httpUrl, nullableRecordId, parse } from '../lib/validation.js';
import { Account, AgentBot, AgentBotInbox } from '../models/index.js';
import { BOT_TYPES } from '../models/agent-bot.model.js';
import type { WebhookAddressGuard } from '../webhooks/address-guard.js';
import type { AgentBotCredentials } from '../serializers/agent-bot.serializer.js';
import type { AccountScope } from './account-scope.js';
import type { AccessTokenService } from './access-tokens.service.js';
import type { InboxService } from './inboxes.service.js';

/** A blank URL means "none", as Rails reads an empty form field. */
const optionalUrl = z.preprocess((v) => (v === '' ? null : v), httpUrl.nullable().optional());
const attributes = {
  name: z.string({ message: 'is required' }).trim().min(1, 'is required').max(255),
  description: z.string().trim().max(10_000).nullable().optional(),
  outgoing_url: optionalUrl,
  bot_type: z.enum(BOT_TYPES, { message: `must be one of ${BOT_TYPES.join(', ')}` }).optional(),
  bot_config: attributesHash.nullable().optional(),
  avatar_url: optionalUrl,
};
const createParams = z.object(attributes);
const updateParams = z.object(attributes).partial();
/** The Platform API may create a bot for one account (`account_id`) or for the installation (none). */
const platformCreateParams = createParams.extend({ account_id: nullableRecordId });
const platformUpdateParams = updateParams.extend({ account_id: nullableRecordId });
const setInboxParams = z.object({ agent_bot: nullableRecordId });
/** Chatwoot posts the attributes flat; a client nesting them under `agent_bot` is understood too. */
const nested = z.object({ agent_bot: attributesHash.optional() }).passthrough();

type Attributes = z.infer<typeof updateParams> & { account_id?: number | null };

export interface AgentBotServiceDeps {
  sequelize: Sequelize;
  redis: Redis;
  prefix: string;
  logger: Logger;
  secrets: SecretBox;
  tokens: AccessTokenService;
  inboxes: InboxService;
  guard: Pick<WebhookAddressGuard, 'checkField'>;
}

/**
 * Chatwoot's agent bots. Administrators manage their account's bots and see the installation's
 * (system) bots, which only the Platform API changes. Each bot gets an access token to act through
 * the API and a secret that signs what it is sent.
 */
export class AgentBotService {
  /**
   * Every message and conversation event asks which bot its inbox has: the answers are kept per inbox
   * until any process changes a bot or an inbox's bot.
   */
  private readonly botCache: VersionedCache<number, AgentBot | null>;

  constructor(private readonly deps: AgentBotServiceDeps) {
    this.botCache = new VersionedCache(deps.redis, `${deps.prefix}:agent_bots:version`, deps.logger, 'agent bots');
  }

  /** The account's bots and the system bots, as Chatwoot's `AgentBot.accessible_to(account)`. */
  list(scope: AccountScope): Promise<AgentBot[]> {
    return AgentBot.findAll({ where: { account_id: { [Op.or]: [scope.account.id, null] } }, order: [['id', 'ASC']] });
  }

  /** A bot the account can see (its own or a system bot). */
  async show(scope: AccountScope, id: number): Promise<AgentBot> {
    const bot = await AgentBot.findOne({ where: { id, account_id: { [Op.or]: [scope.account.id, null] } } });
    if (!bot) throw new NotFoundError('Agent bot');
    return bot;
  }

  /** A bot the account owns: system bots are not the account's to change (404, as Chatwoot). */
  async owned(scope: AccountScope, id: number): Promise<AgentBot> {
    const bot = await AgentBot.findOne({ where: { id, account_id: scope.account.id } });
    if (!bot) throw new NotFoundError('Agent bot');
    return bot;
  }

  create(scope: AccountScope, body: Record<string, unknown>): Promise<AgentBot> {
    return this.insert({ ...parse(createParams, this.unwrap(body)), account_id: scope.account.id });
  }

  async update(scope: AccountScope, id: number, body: Record<string, unknown>): Promise<AgentBot> {
    return this.change(await this.owned(scope, id), parse(updateParams, this.unwrap(body)));
  }

  async destroy(scope: AccountScope, id: number): Promise<void> {
    await this.remove(await this.owned(scope, id));
  }

  // --- Platform API: every bot of the installation ---

  platformList(): Promise<AgentBot[]> {
    return AgentBot.findAll({ order: [['id', 'ASC']] });
  }

  async platformFind(id: number): Promise<AgentBot> {
    const bot = await AgentBot.findByPk(id);
    if (!bot) throw new NotFoundError('Agent bot');
    return bot;
  }

  platformCreate(body: Record<string, unknown>): Promise<AgentBot> {
    return this.insert(parse(platformCreateParams, this.unwrap(body)));
  }

  async platformUpdate(id: number, body: Record<string, unknown>): Promise<AgentBot> {
    return this.change(await this.platformFind(id), parse(platformUpdateParams, this.unwrap(body)));
  }

  async platformDestroy(id: number): Promise<void> {
    await this.remove(await this.platformFind(id));
  }

  // --- Inboxes ---

  /** The bot attached to an inbox the caller can see, or null. */
  async inboxBot(scope: AccountScope, inboxId: number): Promise<AgentBot | null> {
    const inbox = await this.deps.inboxes.find(scope, inboxId);
    return this.botOfInbox(inbox.id);
  }

  /** Chatwoot's `set_agent_bot`: `{agent_bot: id}` attaches (replacing any other bot), `null` detaches. */
  async setInboxBot(scope: AccountScope, inboxId: number, body: Record<string, unknown>): Promise<void> {
    if (!('agent_bot' in body)) throw ValidationError.field('agent_bot', 'is required (null detaches the bot)');
    const { agent_bot: botId } = parse(setInboxParams, body);
    const inbox = await this.deps.inboxes.find(scope, inboxId);
    if (botId == null) {
      await AgentBotInbox.destroy({ where: { inbox_id: inbox.id } });
      await this.changed();
      return;
    }
    const bot = await this.show(scope, botId).catch((err: unknown) => {
      if (err instanceof NotFoundError) throw ValidationError.field('agent_bot', 'must be an agent bot of this account or a system bot');
      throw err;
    });
    await this.deps.sequelize.transaction(async (transaction) => {
      await AgentBotInbox.destroy({ where: { inbox_id: inbox.id }, transaction });
      await AgentBotInbox.create({ account_id: inbox.account_id, inbox_id: inbox.id, agent_bot_id: bot.id }, { transaction });
    });
    await this.changed();
  }

  /** The bot attached to an inbox (for the bot's events), from the cache while no bot changed since. */
  botOfInbox(inboxId: number): Promise<AgentBot | null> {
    return this.botCache.get(inboxId, async () => {
      const link = await AgentBotInbox.findOne({ where: { inbox_id: inboxId }, include: [{ model: AgentBot, as: 'agent_bot' }] });
      return (link as (AgentBotInbox & { agent_bot?: AgentBot }) | null)?.agent_bot ?? null;
    });
  }

  private changed(): Promise<void> {
    return this.botCache.invalidate();
  }

  /** The inboxes of an account a bot is attached to (what the settings page lists next to it). */
  async inboxIdsOf(bots: AgentBot[], accountId: number): Promise<Map<number, number[]>> {
    const links = bots.length ? await AgentBotInbox.findAll({ where: { account_id: accountId, agent_bot_id: bots.map((b) => b.id) }, attributes: ['agent_bot_id', 'inbox_id'], order: [['inbox_id', 'ASC']] }) : [];
    const byBot = new Map<number, number[]>();
    for (const l of links) byBot.set(Number(l.agent_bot_id), [...(byBot.get(Number(l.agent_bot_id)) ?? []), Number(l.inbox_id)]);
    return byBot;
  }

  // --- Credentials ---

  /** Tokens and secrets for the bots whose owner asks; `reveal` false shows neither (system bots to an account). */
  async credentials(bots: AgentBot[], reveal: (bot: AgentBot) => boolean): Promise<Map<number, AgentBotCredentials>> {
    const shown = bots.filter(reveal);
    const tokens = await this.deps.tokens.botTokens(shown);
    return new Map(
      bots.map((b) => [b.id, shown.includes(b) ? { accessToken: tokens.get(b.id) ?? null, secret: this.deps.secrets.decrypt(b.secret_ciphertext) } : { accessToken: null, secret: null }]),
    );
  }

  /** Chatwoot's `reset_access_token`: the old token stops working at once. */
  async resetToken(scope: AccountScope, id: number): Promise<AgentBot> {
    const bot = await this.owned(scope, id);
    await this.deps.tokens.issueForBot(bot);
    return bot;
  }

  private async insert(attrs: z.infer<typeof createParams> & { account_id?: number | null }): Promise<AgentBot> {
    this.deps.guard.checkField('outgoing_url', attrs.outgoing_url);
    await this.checkAccount(attrs.account_id);
    const bot = await AgentBot.create({
      account_id: attrs.account_id ?? null,
      name: attrs.name,
      description: attrs.description ?? null,
      outgoing_url: attrs.outgoing_url ?? null,
      bot_type: attrs.bot_type ?? 'webhook',
      bot_config: attrs.bot_config ?? {},
      avatar_url: attrs.avatar_url ?? null,
      secret_ciphertext: this.deps.secrets.encrypt(randomToken(32)),
    });
    await this.deps.tokens.issueForBot(bot);
    return bot;
  }

  private async change(bot: AgentBot, attrs: Attributes): Promise<AgentBot> {
    this.deps.guard.checkField('outgoing_url', attrs.outgoing_url);
    await this.checkAccount(attrs.account_id);
    const defined = Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== undefined));
    if ('bot_config' in defined && defined.bot_config === null) defined.bot_config = {};
    if (defined.account_id !== undefined && defined.account_id !== bot.account_id) {
      // Moving a bot to another account detaches it from the inboxes of the one it leaves.
      await AgentBotInbox.destroy({ where: { agent_bot_id: bot.id } });
    }
    await bot.update(defined as Partial<AgentBot>);
    await this.changed();
    return bot;
  }

  private async remove(bot: AgentBot): Promise<void> {
    // Its inbox links and pending deliveries go with it (foreign keys); its token stops working now.
    await this.deps.tokens.revokeBotToken(bot);
    await bot.destroy();
    await this.changed();
  }

  private async checkAccount(accountId: number | null | undefined): Promise<void> {
    if (accountId && !(await Account.findByPk(accountId, { attributes: ['id'] }))) throw ValidationError.field('account_id', 'does not exist');
  }

  private unwrap(body: Record<string, unknown>): Record<string, unknown> {
    const { agent_bot } = parse(nested, body);
    return agent_bot ?? body;
  }
}
