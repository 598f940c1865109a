import { randomBytes } from 'node:crypto';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { GraphReceiveDeps, GraphTarget } from './graph-target.js';
import { graphStatus } from '../../microsoft/graph-errors.js';
import type { ReceiveMode } from './graph-state.model.js';

/**
 * Graph lets a subscription on Outlook messages without resource data live up to 10,080 minutes
 * (7 days); we never ask for resource data (the webhook fetches the message). Asking a quarter hour
 * less leaves room for clock skew between us and Graph; the expiry Graph answers is what we keep.
 */
export const MAX_SUBSCRIPTION_MINUTES = 10_080;
const REQUESTED_MINUTES = MAX_SUBSCRIPTION_MINUTES - 15;
/** Renew when less than this is left: the hourly check then has a day of retries before Graph drops it. */
export const RENEW_WITHIN_MS = 24 * 3600 * 1000;

export const WEBHOOK_PATH = '/microsoft_shared/webhooks/graph';
export const LIFECYCLE_PATH = `${WEBHOOK_PATH}/lifecycle`;

export type SubscriptionAction = 'ensure' | 'renew' | 'recreate';

/**
 * Push or polling for a graph_full channel. Delegated `.Shared` permissions cannot subscribe to a
 * shared mailbox, so push exists only while the tenant grants the app-only `Mail.Read`; without it
 * the channel polls with the delegate's token. The mode is re-decided on every action, so granting
 * (or revoking) admin consent switches it.
 */
export class GraphSubscriptions {
  constructor(private readonly deps: GraphReceiveDeps) {}

  async apply(target: GraphTarget, action: SubscriptionAction): Promise<ReceiveMode> {
    const app = await this.deps.clients.appOnly(target.state.tenant_id, { fresh: true });
    if (!app) {
      await this.record(target, { receive_mode: 'polling', subscription_id: null, client_state_ciphertext: null, subscription_expires_at: null });
      return 'polling';
    }
    const { state } = target;
    if (action === 'recreate' || !state.subscription_id) {
      if (state.subscription_id) await this.deleteQuietly(app, state.subscription_id);
      await this.create(app, target);
    } else if (action === 'renew' || !state.subscription_expires_at || state.subscription_expires_at.getTime() - Date.now() < RENEW_WITHIN_MS) {
      await this.renew(app, target);
    } else {
      await this.record(target, {});
    }
    return 'push';
  }

  /** Deletes the channel's subscription (channel destroyed); a subscription Graph already dropped is fine. */
  async remove(tenantId: string, subscriptionId: string): Promise<void> {
    const app = await this.deps.clients.appOnly(tenantId);
    if (app) await this.deleteQuietly(app, subscriptionId);
  }

  private async create(app: Client, target: GraphTarget): Promise<void> {
    const clientState = randomBytes(32).toString('base64url');
    const sub = (await app.api('/subscriptions').post({
      changeType: 'created',
      resource: `users/${target.state.mailbox}/mailFolders('inbox')/messages`,
      notificationUrl: `${this.deps.publicBaseUrl}${WEBHOOK_PATH}`,
      lifecycleNotificationUrl: `${this.deps.publicBaseUrl}${LIFECYCLE_PATH}`,
      expirationDateTime: expiryFromNow(),
      clientState,
      latestSupportedTlsVersion: 'v1_2',
    })) as { id: string; expirationDateTime: string };
    await this.record(target, {
      receive_mode: 'push', subscription_id: sub.id, client_state_ciphertext: this.deps.secrets.encrypt(clientState),
      subscription_expires_at: new Date(sub.expirationDateTime),
    });
    this.deps.logger.info({ channelId: target.channel.id, subscriptionId: sub.id, expiresAt: sub.expirationDateTime }, 'graph subscription created');
  }

  /** PATCHes the expiry (also what `reauthorizationRequired` asks for); a subscription Graph no longer knows is re-created. */
  private async renew(app: Client, target: GraphTarget): Promise<void> {
    try {
      const sub = (await app.api(`/subscriptions/${target.state.subscription_id}`).patch({ expirationDateTime: expiryFromNow() })) as { expirationDateTime: string };
      await this.record(target, { receive_mode: 'push', subscription_expires_at: new Date(sub.expirationDateTime) });
    } catch (err) {
      if (graphStatus(err) !== 404) throw err;
      await this.create(app, target);
    }
  }

  private async deleteQuietly(app: Client, subscriptionId: string): Promise<void> {
    try {
      await app.api(`/subscriptions/${subscriptionId}`).delete();
    } catch (err) {
      if (graphStatus(err) !== 404) throw err;
    }
  }

  /** Saves the state and mirrors the mode into provider_config, where the inbox payload shows it. */
  private async record(target: GraphTarget, changes: Partial<Pick<GraphTarget['state'], 'receive_mode' | 'subscription_id' | 'client_state_ciphertext' | 'subscription_expires_at'>>): Promise<void> {
    await target.state.update(changes);
    const mode = target.state.receive_mode;
    if (target.channel.provider_config.receive_mode !== mode) {
      await target.channel.update({ provider_config: { ...target.channel.provider_config, receive_mode: mode } });
    }
  }
}

const expiryFromNow = (): string => new Date(Date.now() + REQUESTED_MINUTES * 60_000).toISOString();
