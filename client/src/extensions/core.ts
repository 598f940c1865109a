import type { ClientExtension } from './slot-types';

/** The core's own wizard cards and integration pages, registered through the same slots an overlay uses. */
export const coreExtension: ClientExtension = {
  register(api) {
    api.slot('inboxWizard.emailProviders', {
      id: 'imap',
      order: 100,
      title: 'INBOX_WIZARD.PROVIDERS.IMAP.TITLE',
      description: 'INBOX_WIZARD.PROVIDERS.IMAP.DESCRIPTION',
      form: () => import('../features/inbox-wizard/ImapSmtpForm.vue'),
    });
    for (const [id, order] of [['microsoft', 10], ['google', 20]] as const) {
      api.slot('inboxWizard.emailProviders', {
        id,
        order,
        title: `INBOX_WIZARD.PROVIDERS.${id.toUpperCase()}.TITLE`,
        description: `INBOX_WIZARD.PROVIDERS.${id.toUpperCase()}.DESCRIPTION`,
        form: () => import('../features/inbox-wizard/OAuthConnectForm.vue'),
      });
    }
    api.slot('contactSidebar.panels', {
      id: 'custom-attributes',
      order: 10,
      title: 'CUSTOM_ATTRIBUTES.TITLE',
      component: () => import('../features/custom-attributes/ContactAttributesPanel.vue'),
    });
    api.slot('settings.integrations', {
      id: 'webhooks',
      order: 10,
      title: 'WEBHOOKS.TITLE',
      description: 'WEBHOOKS.CARD_DESCRIPTION',
      component: () => import('../features/webhooks/WebhooksPage.vue'),
    });
  },
};
