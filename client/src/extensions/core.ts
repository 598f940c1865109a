import type { ClientExtension } from './slot-types';

/** The core's own wizard cards, registered through the same slot an overlay uses. */
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
  },
};
