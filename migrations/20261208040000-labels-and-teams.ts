import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * Triage: account labels and teams (Chatwoot's `labels`, `teams`, `team_members`).
 *
 * A conversation's and a contact's labels are kept as an array of label titles on the row itself
 * (`label_list`, what Chatwoot calls the cached label list): the payloads read it without a join and
 * the list filter `labels[]` is an array containment (`@>`) that a GIN index answers. The list's usual
 * question "open conversations of team X (with label Y), most recently active first" is served by the
 * (account_id, team_id, status, last_activity_at) index, which also carries assignee_id and label_list so
 * the page's counts and the label condition need no heap visits (index-only scans).
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const timestamps = { created_at: { type: DataTypes.DATE, allowNull: false }, updated_at: { type: DataTypes.DATE, allowNull: false } };
  await qi.createTable('labels', {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    account_id: { type: DataTypes.BIGINT, allowNull: false, references: { model: 'accounts', key: 'id' }, onDelete: 'CASCADE' },
    title: { type: DataTypes.STRING, allowNull: false },
    description: { type: DataTypes.TEXT },
    color: { type: DataTypes.STRING, allowNull: false, defaultValue: '#1f93ff' },
    show_on_sidebar: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    ...timestamps,
  });
  await qi.addIndex('labels', ['account_id', 'title'], { unique: true, name: 'index_labels_on_account_id_and_title' });

  await qi.createTable('teams', {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    account_id: { type: DataTypes.BIGINT, allowNull: false, references: { model: 'accounts', key: 'id' }, onDelete: 'CASCADE' },
    name: { type: DataTypes.STRING, allowNull: false },
    description: { type: DataTypes.TEXT },
    allow_auto_assign: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    ...timestamps,
  });
  await qi.sequelize.query('CREATE UNIQUE INDEX index_teams_on_account_id_and_lower_name ON teams (account_id, lower(name))');

  await qi.createTable('team_members', {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    team_id: { type: DataTypes.BIGINT, allowNull: false, references: { model: 'teams', key: 'id' }, onDelete: 'CASCADE' },
    user_id: { type: DataTypes.BIGINT, allowNull: false, references: { model: 'users', key: 'id' }, onDelete: 'CASCADE' },
    ...timestamps,
  });
  await qi.addIndex('team_members', ['team_id', 'user_id'], { unique: true, name: 'index_team_members_on_team_id_and_user_id' });

  await qi.addColumn('conversations', 'team_id', { type: DataTypes.BIGINT, references: { model: 'teams', key: 'id' }, onDelete: 'SET NULL' });
  await qi.addColumn('conversations', 'label_list', { type: DataTypes.ARRAY(DataTypes.STRING), allowNull: false, defaultValue: [] });
  await qi.addColumn('contacts', 'label_list', { type: DataTypes.ARRAY(DataTypes.STRING), allowNull: false, defaultValue: [] });
  await qi.sequelize.query('CREATE INDEX index_conversations_on_label_list ON conversations USING gin (label_list)');
  // INCLUDE: the tab counts (assignee_id) and the label condition are answered from the index alone.
  await qi.sequelize.query(
    'CREATE INDEX index_conversations_on_team_status_activity ON conversations (account_id, team_id, status, last_activity_at DESC) INCLUDE (assignee_id, label_list)',
  );
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeColumn('conversations', 'label_list');
  await qi.removeColumn('conversations', 'team_id');
  await qi.removeColumn('contacts', 'label_list');
  await qi.dropTable('team_members');
  await qi.dropTable('teams');
  await qi.dropTable('labels');
}
