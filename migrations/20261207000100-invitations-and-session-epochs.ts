import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * Invitation delivery and consent on memberships, and a per-user session epoch.
 *
 * `account_users.invitation_status` is what the agents page shows (pending → sent | failed with the
 * provider's reason); `invitation_pending` marks a membership an existing user has not accepted yet,
 * under the name the administrator typed (`invited_name`), so the account learns nothing about them
 * until they accept. `users.session_epoch` goes up when the password changes: sessions signed in
 * under an older epoch are refused.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('account_users', 'invitation_status', { type: DataTypes.STRING });
  await qi.addColumn('account_users', 'invitation_error', { type: DataTypes.TEXT });
  await qi.addColumn('account_users', 'invitation_sent_at', { type: DataTypes.DATE });
  await qi.addColumn('account_users', 'invitation_pending', { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false });
  await qi.addColumn('account_users', 'invited_name', { type: DataTypes.STRING });
  await qi.addColumn('users', 'session_epoch', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  for (const column of ['invitation_status', 'invitation_error', 'invitation_sent_at', 'invitation_pending', 'invited_name']) await qi.removeColumn('account_users', column);
  await qi.removeColumn('users', 'session_epoch');
}
