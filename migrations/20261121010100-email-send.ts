import { DataTypes, type QueryInterface } from 'sequelize';
import { fk, id } from '../server/src/db/migration-columns.js';

/**
 * Single-use tokens behind the invitation and password-reset links. Only a SHA-256 digest is stored,
 * so a database dump does not hand out working links.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('password_tokens', {
    id,
    user_id: fk('users'),
    purpose: { type: DataTypes.STRING, allowNull: false },
    token_digest: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    expires_at: { type: DataTypes.DATE, allowNull: false },
    used_at: { type: DataTypes.DATE },
    // A database default (DataTypes.NOW would only be applied by models): rows are written with plain SQL.
    created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: qi.sequelize.literal('now()') },
  });
  await qi.addIndex('password_tokens', ['user_id', 'purpose']);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('password_tokens');
}
