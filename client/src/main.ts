import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { coreMessages, createDashboardI18n } from './i18n';
import { loadExtensions, SLOTS } from './extensions';
import { createDashboardRouter } from './router';

const extensions = loadExtensions(Object.keys(coreMessages));

createApp(App)
  .use(createPinia())
  .use(createDashboardI18n(extensions.messages))
  .use(createDashboardRouter())
  .provide(SLOTS, extensions.slots)
  .mount('#app');
