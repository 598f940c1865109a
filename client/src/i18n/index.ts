import { createI18n, type I18nOptions } from 'vue-i18n';

/** One English bundle per feature (`en/<feature>.json`), each holding its own UPPER_SNAKE namespace. */
const bundles = import.meta.glob<Record<string, unknown>>('./en/*.json', { eager: true, import: 'default' });

export const coreMessages: Record<string, unknown> = Object.assign({}, ...Object.values(bundles));

const datetimeFormats = {
  en: {
    short: { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
    long: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
  },
} as const;

/** The core's bundles plus the namespaces extensions contributed (already checked for clashes). */
export function createDashboardI18n(extra: Record<string, Record<string, unknown>>) {
  return createI18n({
    legacy: false,
    locale: 'en',
    fallbackLocale: 'en',
    // JSON bundles are untyped; their keys are checked by the e2e run (missing keys warn in the console).
    messages: { en: { ...coreMessages, ...(extra.en ?? {}) } } as I18nOptions['messages'],
    datetimeFormats,
  });
}
