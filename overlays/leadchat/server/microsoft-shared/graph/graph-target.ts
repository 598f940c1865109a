import type { Client } from '@microsoft/microsoft-graph-client';
import type { Queue, JobOptions } from 'bull';
import type { EmailChannel, ExtensionContext } from '../../../../../server/src/extensions/index.js';
import type { GraphClients } from '../../microsoft/contracts.js';
import type { SharedInboxConfig } from '../shared-inbox.types.js';
import { isMicrosoftShared } from '../provider.js';
import { GraphReceiveState } from './graph-state.model.js';

type Inbox = InstanceType<ExtensionContext['models']['Inbox']>;

/** The part of the job queues graph receive uses (the core's JobQueues satisfies it). */
export interface JobEnqueuer {
  enqueue<D>(id: string, data: D, opts?: JobOptions): Promise<void>;
  queue(id: string): Queue;
}

/** What graph receive needs from the extension context, plus the Graph clients it is handed. */
export interface GraphReceiveDeps {
  config: Pick<ExtensionContext['config'], 'FRONTEND_URL' | 'MICROSOFT_AUTHORITY' | 'MICROSOFT_CLIENT_ID' | 'REDIS_PREFIX'>;
  logger: ExtensionContext['logger'];
  models: ExtensionContext['models'];
  secrets: ExtensionContext['secrets'];
  redis: ExtensionContext['redis'];
  ingestion: ExtensionContext['email']['ingestion'];
  queues: JobEnqueuer;
  clients: GraphClients;
  /** Where Graph posts notifications: must be reachable from Microsoft (https) for a real tenant. */
  publicBaseUrl: string;
}

/** A graph_full channel with its inbox and receive state: everything a job needs to act on it. */
export interface GraphTarget {
  channel: EmailChannel;
  inbox: Inbox;
  config: SharedInboxConfig;
  state: GraphReceiveState;
}

export function isGraphFull(channel: EmailChannel): boolean {
  return isMicrosoftShared(channel) && (channel.provider_config as Partial<SharedInboxConfig>).transport === 'graph_full';
}

/** Loads a graph_full channel; creates its receive state on first use. `null` when the channel is gone or not graph_full. */
export async function loadTarget(deps: Pick<GraphReceiveDeps, 'models'>, channelId: number): Promise<GraphTarget | null> {
  const channel = await deps.models.ChannelEmail.findByPk(channelId);
  if (!channel || !isGraphFull(channel)) return null;
  const inbox = await deps.models.Inbox.findOne({ where: { channel_id: channel.id, channel_type: 'Channel::Email' } });
  if (!inbox) return null;
  const config = channel.provider_config as unknown as SharedInboxConfig;
  const [state] = await GraphReceiveState.findOrCreate({
    where: { channel_id: channel.id },
    defaults: { channel_id: channel.id, account_id: channel.account_id, inbox_id: inbox.id, mailbox: channel.email, tenant_id: config.tenant_id },
  });
  return { channel, inbox, config, state };
}

/** Push channels read with the app-only client (which may have been revoked since), polling ones as the delegate. */
export async function readerFor(deps: Pick<GraphReceiveDeps, 'clients'>, target: GraphTarget): Promise<Client> {
  const app = target.state.receive_mode === 'push' ? await deps.clients.appOnly(target.state.tenant_id) : null;
  return app ?? deps.clients.forChannel(target.channel);
}

export const mailboxPath = (upn: string): string => `/users/${encodeURIComponent(upn)}`;
