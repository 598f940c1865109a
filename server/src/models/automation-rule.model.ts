import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/** The events a rule runs on (Chatwoot's automation events). */
export const AUTOMATION_EVENTS = ['conversation_created', 'conversation_updated', 'conversation_opened', 'conversation_resolved', 'message_created'] as const;
export type AutomationEvent = (typeof AUTOMATION_EVENTS)[number];

/** One condition row, as Chatwoot stores it. */
export interface AutomationCondition {
  attribute_key: string;
  filter_operator: string;
  values: (string | number)[];
  query_operator?: 'AND' | 'OR' | null;
}

/** One action row, as Chatwoot stores it: the action's parameters are a list. */
export interface AutomationAction {
  action_name: string;
  action_params: unknown[];
}

export class AutomationRule extends Model<InferAttributes<AutomationRule>, InferCreationAttributes<AutomationRule>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare name: string;
  declare description: string | null;
  declare event_name: AutomationEvent;
  declare conditions: AutomationCondition[];
  declare actions: AutomationAction[];
  declare active: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    AutomationRule.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        name: { type: DataTypes.STRING, allowNull: false },
        description: DataTypes.TEXT,
        event_name: { type: DataTypes.STRING, allowNull: false },
        conditions: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
        actions: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
        active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'automation_rules', underscored: true },
    );
  }
}
