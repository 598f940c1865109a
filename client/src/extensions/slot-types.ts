/**
 * The slots the dashboard offers extensions: overlays fill named slots and add i18n bundles; the core
 * fills the same slots with its own built-ins, so nothing in a page names a provider or an overlay.
 * Overlays reach these through the facade (`./api.ts`).
 */
import type { Component } from 'vue';

/** A loader for a component (`() => import('./Panel.vue')`): keeps an overlay's screens out of the first bundle. */
export type SlotComponent = () => Promise<Component | { default: Component }>;

interface SlotEntry {
  /** Unique within its slot. */
  id: string;
  /** Lower comes first; entries without one keep their registration order, after those with one. */
  order?: number;
}

/** A card on the wizard's email step. `id` is the email provider id: it is offered only when the server lists that provider. */
export interface EmailProviderCard extends SlotEntry {
  /** i18n keys. */
  title: string;
  description: string;
  /** The form (or sign-in starter) shown when the card is picked. */
  form: SlotComponent;
}

/** A panel (tab) of an inbox's settings; `appliesTo` limits it to some inboxes (e.g. by provider). */
export interface InboxSettingsPanel extends SlotEntry {
  title: string;
  component: SlotComponent;
  appliesTo?(inbox: { provider: string; provider_config: Record<string, unknown> }): boolean;
}

/**
 * How an inbox that fetches no mail over IMAP receives it (e.g. a provider's push notifications),
 * shown on its Health tab instead of "does not fetch mail"; the component gets `{ inbox }`.
 */
export interface InboxReceiveHealth extends SlotEntry {
  component: SlotComponent;
  appliesTo?(inbox: { provider: string; provider_config: Record<string, unknown> }): boolean;
}

export interface ContactSidebarPanel extends SlotEntry {
  title: string;
  component: SlotComponent;
}

/** A page listed under Settings → Integrations. */
export interface IntegrationPage extends SlotEntry {
  title: string;
  description: string;
  component: SlotComponent;
}

export interface SlotEntries {
  'inboxWizard.emailProviders': EmailProviderCard;
  'inboxSettings.panels': InboxSettingsPanel;
  'inboxSettings.receiveHealth': InboxReceiveHealth;
  'contactSidebar.panels': ContactSidebarPanel;
  'settings.integrations': IntegrationPage;
}

export type SlotName = keyof SlotEntries;

export const SLOT_NAMES: readonly SlotName[] = ['inboxWizard.emailProviders', 'inboxSettings.panels', 'inboxSettings.receiveHealth', 'contactSidebar.panels', 'settings.integrations'];

/** An i18n bundle per locale, e.g. `{ en: { TITLE: '...' } }`: it becomes the namespace's messages. */
export type LocaleBundles = Record<string, Record<string, unknown>>;

export interface ClientExtensionApi {
  slot<K extends SlotName>(slot: K, entry: SlotEntries[K]): void;
  /** Adds the contributor's i18n namespace (UPPER_SNAKE, e.g. `MICROSOFT_SHARED`); one owner per namespace. */
  messages(namespace: string, bundles: LocaleBundles): void;
}

export interface ClientExtension {
  register(api: ClientExtensionApi): void;
}
