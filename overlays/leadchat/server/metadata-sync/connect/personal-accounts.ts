/** The tenant id Entra puts in `tid` for personal Microsoft accounts (outlook.com, hotmail.com, ...). */
export const CONSUMERS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

/** Domains of Microsoft's consumer mail services, whose addresses are personal accounts. */
const CONSUMER_DOMAIN = /^(outlook|hotmail|live|windowslive|msn|passport)\.[a-z]{2,}(\.[a-z]{2,})?$/i;

export const PERSONAL_ACCOUNT_MESSAGE =
  'That is a personal Microsoft account (Outlook.com, Hotmail, Live). Metadata sync works with work or school Microsoft 365 accounts only: sign in with the account your organization gave you.';

export function isConsumerAddress(email: string): boolean {
  return CONSUMER_DOMAIN.test(email.split('@')[1] ?? '');
}
