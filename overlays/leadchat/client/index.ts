/**
 * The LeadChat overlay's dashboard entry, found by the core's `import.meta.glob`: its i18n namespaces
 * (MICROSOFT_SHARED — the provider id `microsoft_shared`, upper-cased — and METADATA_SYNC), the wizard
 * card, the inbox settings tab, the "Mail & calendar insights" integration page and the contact
 * sidebar's Interactions panel, all through the slots the core fills with its own built-ins.
 */
import type { ClientExtension } from '../../../client/src/extensions/api';
import en from './microsoft-shared/i18n/en.json';
import metadataSyncEn from './metadata-sync/i18n/en.json';

const MICROSOFT_SHARED = 'microsoft_shared';
/** The page's route id: `/app/accounts/:id/settings/integrations/metadata-sync`, where the providers' callbacks send the browser back. */
const METADATA_SYNC = 'metadata-sync';

const leadchat: ClientExtension = {
  register(api) {
    api.messages('MICROSOFT_SHARED', { en });
    api.messages('METADATA_SYNC', { en: metadataSyncEn });
    // Next to the core's own Microsoft 365 card (order 10).
    api.slot('inboxWizard.emailProviders', {
      id: MICROSOFT_SHARED,
      order: 15,
      title: 'MICROSOFT_SHARED.TITLE',
      description: 'MICROSOFT_SHARED.DESCRIPTION',
      form: () => import('./microsoft-shared/components/SharedInboxForm.vue'),
    });
    api.slot('inboxSettings.panels', {
      id: MICROSOFT_SHARED,
      title: 'MICROSOFT_SHARED.PANEL.TITLE',
      component: () => import('./microsoft-shared/components/SharedInboxPanel.vue'),
      appliesTo: (inbox) => inbox.provider === MICROSOFT_SHARED,
    });
    api.slot('inboxSettings.receiveHealth', {
      id: MICROSOFT_SHARED,
      component: () => import('./microsoft-shared/components/GraphReceiveHealth.vue'),
      appliesTo: (inbox) => inbox.provider === MICROSOFT_SHARED && inbox.provider_config.transport === 'graph_full',
    });
    api.slot('settings.integrations', {
      id: METADATA_SYNC,
      title: 'METADATA_SYNC.TITLE',
      description: 'METADATA_SYNC.DESCRIPTION',
      component: () => import('./metadata-sync/components/MetadataSyncPage.vue'),
    });
    api.slot('contactSidebar.panels', {
      id: 'interactions',
      title: 'METADATA_SYNC.INTERACTIONS.TITLE',
      component: () => import('./metadata-sync/components/InteractionsPanel.vue'),
    });
  },
};

export default leadchat;
