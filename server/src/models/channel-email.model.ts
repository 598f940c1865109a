import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/**
 * Chatwoot's Channel::Email columns. Secrets live only in the `*_ciphertext` columns (AES-256-GCM via
 * SecretBox); `provider_config` holds what is safe to show (transport, tenant, delegate identity).
 */
export class ChannelEmail extends Model<InferAttributes<ChannelEmail>, InferCreationAttributes<ChannelEmail>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare email: string;
  declare forward_to_email: string;
  declare provider: CreationOptional<string>;
  declare provider_config: CreationOptional<Record<string, unknown>>;
  declare provider_secrets_ciphertext: CreationOptional<string | null>;
  declare imap_enabled: CreationOptional<boolean>;
  declare imap_address: CreationOptional<string>;
  declare imap_port: CreationOptional<number>;
  declare imap_login: CreationOptional<string>;
  declare imap_password_ciphertext: CreationOptional<string | null>;
  declare imap_enable_ssl: CreationOptional<boolean>;
  declare smtp_enabled: CreationOptional<boolean>;
  declare smtp_address: CreationOptional<string>;
  declare smtp_port: CreationOptional<number>;
  declare smtp_login: CreationOptional<string>;
  declare smtp_password_ciphertext: CreationOptional<string | null>;
  declare smtp_domain: CreationOptional<string>;
  declare smtp_enable_starttls_auto: CreationOptional<boolean>;
  declare smtp_authentication: CreationOptional<string>;
  declare smtp_openssl_verify_mode: CreationOptional<string>;
  declare smtp_enable_ssl_tls: CreationOptional<boolean>;
  declare reauthorization_required_at: CreationOptional<Date | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    const str = (defaultValue = '') => ({ type: DataTypes.STRING, defaultValue });
    const bool = (defaultValue: boolean) => ({ type: DataTypes.BOOLEAN, defaultValue });
    ChannelEmail.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        email: { type: DataTypes.STRING, allowNull: false, set(v: string) { this.setDataValue('email', v.trim().toLowerCase()); } },
        forward_to_email: { type: DataTypes.STRING, allowNull: false },
        provider: str('imap'),
        provider_config: { type: DataTypes.JSONB, defaultValue: {} },
        provider_secrets_ciphertext: DataTypes.TEXT,
        imap_enabled: bool(false),
        imap_address: str(),
        imap_port: { type: DataTypes.INTEGER, defaultValue: 0 },
        imap_login: str(),
        imap_password_ciphertext: DataTypes.TEXT,
        imap_enable_ssl: bool(true),
        smtp_enabled: bool(false),
        smtp_address: str(),
        smtp_port: { type: DataTypes.INTEGER, defaultValue: 0 },
        smtp_login: str(),
        smtp_password_ciphertext: DataTypes.TEXT,
        smtp_domain: str(),
        smtp_enable_starttls_auto: bool(true),
        smtp_authentication: str('login'),
        smtp_openssl_verify_mode: str('none'),
        smtp_enable_ssl_tls: bool(false),
        reauthorization_required_at: DataTypes.DATE,
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'channel_email', underscored: true, freezeTableName: true },
    );
  }
}
