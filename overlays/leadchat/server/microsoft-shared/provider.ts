import type { EmailChannelFields, EmailProvider } from '../../../../server/src/extensions/index.js';

export const MICROSOFT_SHARED = 'microsoft_shared';

/** Is this channel a Microsoft 365 shared inbox (any transport)? */
export function isMicrosoftShared(channel: EmailChannelFields): boolean {
  return channel.provider === MICROSOFT_SHARED;
}

/**
 * The provider entry. Channels are created only by the OAuth callback, after access to the shared
 * mailbox has been verified, so the inbox API refuses to create one directly.
 */
export const microsoftSharedProvider: EmailProvider = {
  id: MICROSOFT_SHARED,
  label: 'Microsoft 365 shared inbox',
  matches: isMicrosoftShared,
  creatableViaApi: false,
};
