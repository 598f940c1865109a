import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export type ReceiveMode = 'push' | 'polling';
/** Why a notification was refused; each reason is counted on its own. */
export type RejectReason = 'unknown_subscription' | 'client_state_mismatch' | 'malformed';

/** One row per graph_full channel (migration 20261121000200). */
export class GraphReceiveState extends Model<InferAttributes<GraphReceiveState>, InferCreationAttributes<GraphReceiveState>> {
  declare channel_id: number;
  declare account_id: number;
  declare inbox_id: number;
  /** The shared mailbox's UPN. */
  declare mailbox: string;
  declare tenant_id: string;
  declare receive_mode: CreationOptional<ReceiveMode>;
  declare subscription_id: CreationOptional<string | null>;
  declare client_state_ciphertext: CreationOptional<string | null>;
  declare subscription_expires_at: CreationOptional<Date | null>;
  /** The last complete delta round's `@odata.deltaLink`; null until the first round completes. */
  declare delta_link: CreationOptional<string | null>;
  declare last_notification_at: CreationOptional<Date | null>;
  declare last_sweep_at: CreationOptional<Date | null>;
  declare last_sweep_error: CreationOptional<string | null>;
  declare rejected_notifications: CreationOptional<Partial<Record<RejectReason, number>>>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof GraphReceiveState {
    GraphReceiveState.init(
      {
        channel_id: { type: DataTypes.BIGINT, primaryKey: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        inbox_id: { type: DataTypes.BIGINT, allowNull: false },
        mailbox: { type: DataTypes.STRING, allowNull: false },
        tenant_id: { type: DataTypes.STRING, allowNull: false },
        receive_mode: { type: DataTypes.STRING, defaultValue: 'polling' },
        subscription_id: DataTypes.STRING,
        client_state_ciphertext: DataTypes.TEXT,
        subscription_expires_at: DataTypes.DATE,
        delta_link: DataTypes.TEXT,
        last_notification_at: DataTypes.DATE,
        last_sweep_at: DataTypes.DATE,
        last_sweep_error: DataTypes.TEXT,
        rejected_notifications: { type: DataTypes.JSONB, defaultValue: {} },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'microsoft_shared_graph_state', underscored: true, freezeTableName: true },
    );
    return GraphReceiveState;
  }
}
