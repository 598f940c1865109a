/**
 * The LeadChat overlay's dashboard entry, found by the core's `import.meta.glob`: its i18n namespace
 * (the provider id `microsoft_shared`, upper-cased), the wizard card and the inbox settings tab, all
 * through the slots the core fills with its own built-ins.
 */
import type { ClientExtension } from '../../../client/src/extensions/api';
import en from './i18n/en.json';

const MICROSOFT_SHARED = 'microsoft_shared';

const leadchat: ClientExtension = {
  register(api) {
    api.messages('MICROSOFT_SHARED', { en });
    // Next to the core's own Microsoft 365 card (order 10).
    api.slot('inboxWizard.emailProviders', {
      id: MICROSOFT_SHARED,
      order: 15,
      title: 'MICROSOFT_SHARED.TITLE',
      description: 'MICROSOFT_SHARED.DESCRIPTION',
      form: () => import('./components/SharedInboxForm.vue'),
    });
    api.slot('inboxSettings.panels', {
      id: MICROSOFT_SHARED,
      title: 'MICROSOFT_SHARED.PANEL.TITLE',
      component: () => import('./components/SharedInboxPanel.vue'),
      appliesTo: (inbox) => inbox.provider === MICROSOFT_SHARED,
    });
  },
};

export default leadchat;
