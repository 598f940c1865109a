import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type ModelAttributes, type Sequelize } from 'sequelize';

/** Which mailbox data a connection may sync; each flag gates one source and needs its scopes. */
export interface MicrosoftFeatures {
  mail?: boolean;
  calendar?: boolean;
  shared_mail?: boolean;
  shared_calendar?: boolean;
}
export interface GoogleFeatures {
  mail?: boolean;
  calendar?: boolean;
}

export type ConnectionStatus = 'active' | 'reauthorization_required';
export type Provider = 'microsoft' | 'google';
/** One incremental stream: a Graph delta per folder, the calendar view, Gmail history, a Calendar sync token. */
export type SyncSource = 'mail:inbox' | 'mail:sentitems' | 'calendar' | 'gmail' | 'google_calendar';
export type SyncStatus = 'pending' | 'running' | 'idle' | 'throttled' | 'error';
export type EventSource = 'microsoft_mail' | 'microsoft_calendar' | 'google_mail' | 'google_calendar';

const timestamps = { created_at: DataTypes.DATE, updated_at: DataTypes.DATE };
const options = (sequelize: Sequelize, tableName: string) => ({ sequelize, tableName, underscored: true, freezeTableName: true });

const connectionAttributes = (uid: string): ModelAttributes => ({
  id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
  account_id: { type: DataTypes.BIGINT, allowNull: false },
  user_id: { type: DataTypes.BIGINT, allowNull: false },
  email: { type: DataTypes.STRING, allowNull: false },
  [uid]: { type: DataTypes.STRING, allowNull: false },
  tokens_ciphertext: DataTypes.TEXT,
  token_expires_at: DataTypes.DATE,
  scopes: { type: DataTypes.JSONB, defaultValue: [] },
  features: { type: DataTypes.JSONB, defaultValue: {} },
  status: { type: DataTypes.STRING, defaultValue: 'active' },
  revoked_at: DataTypes.DATE,
  last_error: DataTypes.TEXT,
  ...timestamps,
});

/** The columns both connection models declare (`connectionAttributes`); `F` is the provider's feature set. */
abstract class ConnectionModel<M extends ConnectionModel<M, F>, F> extends Model<InferAttributes<M>, InferCreationAttributes<M>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare user_id: number;
  declare email: string;
  declare tokens_ciphertext: CreationOptional<string | null>;
  declare token_expires_at: CreationOptional<Date | null>;
  declare scopes: CreationOptional<string[]>;
  declare features: CreationOptional<F>;
  declare status: CreationOptional<ConnectionStatus>;
  declare revoked_at: CreationOptional<Date | null>;
  declare last_error: CreationOptional<string | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

/** A user's Microsoft 365 account connected for metadata sync (tokens encrypted: `{access_token, refresh_token}`); `scopes`: granted Graph permissions, short names (`Mail.ReadBasic`, ...). */
export class MicrosoftAccount extends ConnectionModel<MicrosoftAccount, MicrosoftFeatures> {
  /** Graph's id of the user (the id_token's `oid`). */
  declare microsoft_uid: string;
  declare tenant_id: string | null;

  static initModel(sequelize: Sequelize): typeof MicrosoftAccount {
    MicrosoftAccount.init({ ...connectionAttributes('microsoft_uid'), tenant_id: DataTypes.STRING } as ModelAttributes<MicrosoftAccount>, options(sequelize, 'microsoft_accounts'));
    return MicrosoftAccount;
  }
}

/** A user's Google Workspace account connected for metadata sync; `scopes`: granted scopes, full URLs as Google returns them. */
export class GoogleAccount extends ConnectionModel<GoogleAccount, GoogleFeatures> {
  /** Google's subject id (`sub`). */
  declare google_uid: string;

  static initModel(sequelize: Sequelize): typeof GoogleAccount {
    GoogleAccount.init(connectionAttributes('google_uid') as ModelAttributes<GoogleAccount>, options(sequelize, 'google_accounts'));
    return GoogleAccount;
  }
}

/** A shared mailbox a Microsoft connection's user asked to sync (Full Access in Exchange is theirs to have). */
export class SharedMailbox extends Model<InferAttributes<SharedMailbox>, InferCreationAttributes<SharedMailbox>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare microsoft_account_id: number;
  /** Lower-case address (the Graph `/users/{upn}` key). */
  declare email: string;
  declare include_calendar: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof SharedMailbox {
    SharedMailbox.init({
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      account_id: { type: DataTypes.BIGINT, allowNull: false },
      microsoft_account_id: { type: DataTypes.BIGINT, allowNull: false },
      email: { type: DataTypes.STRING, allowNull: false },
      include_calendar: { type: DataTypes.BOOLEAN, defaultValue: false },
      ...timestamps,
    }, options(sequelize, 'metadata_shared_mailboxes'));
    return SharedMailbox;
  }
}

/**
 * Where one stream stands, per helpdesk account × provider × mailbox × source. `cursor` is the end of
 * the last complete round (deltaLink, historyId, syncToken); `page_cursor` the next page of the round
 * in progress (nextLink, pageToken), saved in the same transaction as that page's events.
 */
export class SyncState extends Model<InferAttributes<SyncState>, InferCreationAttributes<SyncState>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare provider: Provider;
  declare mailbox: string;
  declare source: SyncSource;
  declare cursor: CreationOptional<string | null>;
  declare page_cursor: CreationOptional<string | null>;
  declare status: CreationOptional<SyncStatus>;
  declare error: CreationOptional<string | null>;
  /** `{processed, total?, round: 'backfill'|'incremental', removed?}` */
  declare progress: CreationOptional<Record<string, unknown>>;
  declare backfill_completed_at: CreationOptional<Date | null>;
  declare last_synced_at: CreationOptional<Date | null>;
  declare retry_at: CreationOptional<Date | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof SyncState {
    SyncState.init({
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      account_id: { type: DataTypes.BIGINT, allowNull: false },
      provider: { type: DataTypes.STRING, allowNull: false },
      mailbox: { type: DataTypes.STRING, allowNull: false },
      source: { type: DataTypes.STRING, allowNull: false },
      cursor: DataTypes.TEXT,
      page_cursor: DataTypes.TEXT,
      status: { type: DataTypes.STRING, defaultValue: 'pending' },
      error: DataTypes.TEXT,
      progress: { type: DataTypes.JSONB, defaultValue: {} },
      backfill_completed_at: DataTypes.DATE,
      last_synced_at: DataTypes.DATE,
      retry_at: DataTypes.DATE,
      ...timestamps,
    }, options(sequelize, 'metadata_sync_states'));
    return SyncState;
  }
}

/** One interaction of a team member (`user_id`, the subscriber) with one counterpart, from mail or calendar metadata. */
export class InteractionEvent extends Model<InferAttributes<InteractionEvent>, InferCreationAttributes<InteractionEvent>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare user_id: number;
  declare contact_id: CreationOptional<number | null>;
  declare provider: Provider;
  declare source: EventSource;
  /** The mailbox the item was read from (the user's own, or a shared mailbox). */
  declare mailbox: string;
  declare kind: 'email' | 'meeting';
  declare direction: 'inbound' | 'outbound';
  /** Stable id: Internet Message-ID (or the provider's id when missing) for mail, the event id for meetings. */
  declare remote_id: string;
  /** The provider's item id, which `@removed` / deletions name. */
  declare item_id: CreationOptional<string | null>;
  declare occurred_at: Date;
  declare counterpart_email: string;
  declare counterpart_name: CreationOptional<string | null>;
  declare subject: CreationOptional<string | null>;
  declare newsletter: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof InteractionEvent {
    InteractionEvent.init({
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      account_id: { type: DataTypes.BIGINT, allowNull: false },
      user_id: { type: DataTypes.BIGINT, allowNull: false },
      contact_id: DataTypes.BIGINT,
      provider: { type: DataTypes.STRING, allowNull: false },
      source: { type: DataTypes.STRING, allowNull: false },
      mailbox: { type: DataTypes.STRING, allowNull: false },
      kind: { type: DataTypes.STRING, allowNull: false },
      direction: { type: DataTypes.STRING, allowNull: false },
      remote_id: { type: DataTypes.STRING(998), allowNull: false },
      item_id: DataTypes.STRING(998),
      occurred_at: { type: DataTypes.DATE, allowNull: false },
      counterpart_email: { type: DataTypes.STRING, allowNull: false },
      counterpart_name: DataTypes.STRING,
      subject: DataTypes.TEXT,
      newsletter: { type: DataTypes.BOOLEAN, defaultValue: false },
      ...timestamps,
    }, options(sequelize, 'interaction_events'));
    return InteractionEvent;
  }
}

export const metadataSyncModels = { MicrosoftAccount, GoogleAccount, SharedMailbox, SyncState, InteractionEvent };

export function defineMetadataSyncModels(sequelize: Sequelize): typeof metadataSyncModels {
  for (const model of Object.values(metadataSyncModels)) model.initModel(sequelize);
  return metadataSyncModels;
}
