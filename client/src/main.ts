import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { coreMessages, createDashboardI18n } from './i18n';
import { loadExtensions, SLOTS } from './extensions';
import { createDashboardRouter } from './router';
import { onSessionEnded, setCsrfToken } from './api/client';
import { useSessionStore } from './stores/session';

const extensions = loadExtensions(Object.keys(coreMessages));
const pinia = createPinia();
const router = createDashboardRouter();

// A session ended elsewhere (sign-out, a password change or reset) sends this tab to sign-in, saying why.
onSessionEnded(() => {
  const session = useSessionStore(pinia);
  if (!session.profile) return;
  session.profile = null;
  setCsrfToken(undefined);
  const here = router.currentRoute.value.fullPath;
  void router.push({ name: 'sign-in', query: { notice: 'session_ended', redirect: here } });
});

createApp(App)
  .use(pinia)
  .use(createDashboardI18n(extensions.messages))
  .use(router)
  .provide(SLOTS, extensions.slots)
  .mount('#app');
