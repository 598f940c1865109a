import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/** Chatwoot's attribute models; its API also takes them as `0` (conversation) and `1` (contact). */
export const ATTRIBUTE_MODELS = ['conversation_attribute', 'contact_attribute'] as const;
export type AttributeModel = (typeof ATTRIBUTE_MODELS)[number];
export const ATTRIBUTE_DISPLAY_TYPES = ['text', 'number', 'currency', 'percent', 'link', 'date', 'list', 'checkbox'] as const;

export class CustomAttributeDefinition extends Model<InferAttributes<CustomAttributeDefinition>, InferCreationAttributes<CustomAttributeDefinition>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare attribute_model: AttributeModel;
  declare attribute_key: string;
  declare attribute_display_name: string;
  declare attribute_display_type: string;
  declare attribute_description: string | null;
  declare attribute_values: string[];
  declare default_value: string | null;
  declare regex_pattern: string | null;
  declare regex_cue: string | null;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    CustomAttributeDefinition.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        attribute_model: { type: DataTypes.STRING, allowNull: false },
        attribute_key: { type: DataTypes.STRING, allowNull: false },
        attribute_display_name: { type: DataTypes.STRING, allowNull: false },
        attribute_display_type: { type: DataTypes.STRING, allowNull: false, defaultValue: 'text' },
        attribute_description: DataTypes.TEXT,
        attribute_values: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
        default_value: DataTypes.TEXT,
        regex_pattern: DataTypes.TEXT,
        regex_cue: DataTypes.TEXT,
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'custom_attribute_definitions', underscored: true },
    );
  }
}

/** One row per reportable moment (today: a conversation resolved, with the seconds it took). */
export class ReportingEvent extends Model<InferAttributes<ReportingEvent>, InferCreationAttributes<ReportingEvent>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare inbox_id: number | null;
  declare user_id: number | null;
  declare conversation_id: number | null;
  declare name: string;
  declare value: number;
  declare event_start_time: Date;
  declare event_end_time: Date;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    ReportingEvent.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        inbox_id: DataTypes.BIGINT,
        user_id: DataTypes.BIGINT,
        conversation_id: DataTypes.BIGINT,
        name: { type: DataTypes.STRING, allowNull: false },
        value: { type: DataTypes.DOUBLE, allowNull: false },
        event_start_time: { type: DataTypes.DATE, allowNull: false },
        event_end_time: { type: DataTypes.DATE, allowNull: false },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'reporting_events', underscored: true },
    );
  }
}

export const CUSTOM_FILTER_TYPES = ['conversation', 'contact', 'report'] as const;

/** A person's saved filter (Chatwoot's custom filter): a name and the filter payload it runs. */
export class CustomFilter extends Model<InferAttributes<CustomFilter>, InferCreationAttributes<CustomFilter>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare user_id: number;
  declare name: string;
  declare filter_type: (typeof CUSTOM_FILTER_TYPES)[number];
  declare query: Record<string, unknown>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    CustomFilter.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        user_id: { type: DataTypes.BIGINT, allowNull: false },
        name: { type: DataTypes.STRING, allowNull: false },
        filter_type: { type: DataTypes.STRING, allowNull: false },
        query: { type: DataTypes.JSONB, allowNull: false },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'custom_filters', underscored: true },
    );
  }
}
