import { accountUrl, query, request } from './client';
import type { Contact } from './types';

export type AttributeModel = 'conversation_attribute' | 'contact_attribute';
export const DISPLAY_TYPES = ['text', 'number', 'date', 'link', 'checkbox', 'list'] as const;

export interface AttributeDefinition {
  id: number;
  attribute_display_name: string;
  attribute_display_type: string;
  attribute_key: string;
  attribute_model: AttributeModel;
  attribute_values: string[];
  attribute_description: string | null;
}

export const customAttributesApi = {
  definitions: (accountId: number, model: AttributeModel) =>
    request<AttributeDefinition[]>('GET', accountUrl(accountId, `/custom_attribute_definitions${query({ attribute_model: model })}`)),
  define: (accountId: number, body: Pick<AttributeDefinition, 'attribute_display_name' | 'attribute_key' | 'attribute_display_type' | 'attribute_model'> & { attribute_values?: string[] }) =>
    request<AttributeDefinition>('POST', accountUrl(accountId, '/custom_attribute_definitions'), body),
  saveContact: async (accountId: number, contactId: number, values: Record<string, unknown>) =>
    (await request<{ payload: Contact }>('PUT', accountUrl(accountId, `/contacts/${contactId}`), { custom_attributes: values })).payload.custom_attributes ?? {},
  saveConversation: async (accountId: number, conversationId: number, values: Record<string, unknown>) =>
    (await request<{ custom_attributes: Record<string, unknown> }>('POST', accountUrl(accountId, `/conversations/${conversationId}/custom_attributes`), { custom_attributes: values })).custom_attributes,
};
