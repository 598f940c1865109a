import { DataTypes } from 'sequelize';

/** Column definitions the core migrations share (kept outside `migrations/`, which holds only migrations). */
export const id = { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false };

export const fk = (table: string, onDelete: 'CASCADE' | 'SET NULL' = 'CASCADE', allowNull = false) => ({
  type: DataTypes.BIGINT,
  allowNull,
  references: { model: table, key: 'id' },
  onDelete,
});

export const timestamps = {
  created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
  updated_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
};

export const jsonb = { type: DataTypes.JSONB, allowNull: false, defaultValue: {} };
