import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class Attachment extends Model<InferAttributes<Attachment>, InferCreationAttributes<Attachment>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare message_id: number;
  declare file_type: CreationOptional<string>;
  declare filename: string;
  declare content_type: CreationOptional<string>;
  declare byte_size: CreationOptional<number>;
  declare storage_key: CreationOptional<string | null>;
  declare external_url: CreationOptional<string | null>;
  /** `Content-ID` of an inline part, so `cid:` references in the HTML can be resolved. */
  declare content_id: CreationOptional<string | null>;
  declare inline: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  /** Chatwoot's `file_type` for a MIME type: image, audio, video or file. */
  static fileTypeFor(contentType: string): string {
    const top = contentType.split('/')[0];
    return ['image', 'audio', 'video'].includes(top) ? top : 'file';
  }

  static initModel(sequelize: Sequelize): void {
    Attachment.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        message_id: { type: DataTypes.BIGINT, allowNull: false },
        file_type: { type: DataTypes.STRING, defaultValue: 'file' },
        filename: { type: DataTypes.STRING, allowNull: false },
        content_type: { type: DataTypes.STRING, defaultValue: 'application/octet-stream' },
        byte_size: { type: DataTypes.BIGINT, defaultValue: 0 },
        storage_key: DataTypes.STRING,
        external_url: DataTypes.TEXT,
        content_id: DataTypes.STRING,
        inline: { type: DataTypes.BOOLEAN, defaultValue: false },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'attachments', underscored: true },
    );
  }
}
