import type { InferAttributes, Model } from 'sequelize';
import type { Connection } from '../contracts.js';
import { MicrosoftAccount, type Provider } from '../metadata-sync.model.js';

/** The columns both connection models share. */
export type ConnectionColumns = Omit<InferAttributes<MicrosoftAccount>, 'microsoft_uid' | 'tenant_id'>;

/** Either connection as a model of its shared columns: sequelize's typed setters do not accept a union of models. */
export const asRow = (connection: Connection) => connection as unknown as Model<ConnectionColumns, Partial<ConnectionColumns>>;

export const providerOf = (connection: Connection): Provider => (connection instanceof MicrosoftAccount ? 'microsoft' : 'google');

export const providerLabel = (provider: Provider) => (provider === 'microsoft' ? 'Microsoft 365' : 'Google');
