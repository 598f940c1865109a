/**
 * The core's Vue components an overlay's screens may use (the other half of the facade, apart from
 * `./api.ts` so that the facade's logic loads without a Vue compiler).
 */
export { default as FormField } from '../features/inbox-wizard/FormField.vue';
