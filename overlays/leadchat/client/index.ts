/**
 * The LeadChat overlay's dashboard entry, found by the core's `import.meta.glob`. For now it adds
 * only its i18n namespace (the id `microsoft_shared`, upper-cased); the wizard card, transport picker
 * and panels register here through the same slots the core uses.
 */
import type { ClientExtension } from '../../../client/src/extensions/api';
import en from './i18n/en.json';

const leadchat: ClientExtension = {
  register(api) {
    api.messages('MICROSOFT_SHARED', { en });
  },
};

export default leadchat;
