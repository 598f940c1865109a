import { createApp } from 'vue';
import { createPinia } from 'pinia';
import { createRouter, createWebHistory } from 'vue-router';
import App from './App.vue';
import { i18n } from './i18n';
import SignInPage from './pages/SignInPage.vue';
import HomePage from './pages/HomePage.vue';
import { useSessionStore } from './stores/session';

const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', name: 'home', component: HomePage, meta: { auth: true } },
    { path: '/sign_in', name: 'sign-in', component: SignInPage },
  ],
});

const app = createApp(App).use(createPinia()).use(i18n).use(router);

router.beforeEach(async (to) => {
  const session = useSessionStore();
  if (!session.checked) await session.restore();
  if (to.meta.auth && !session.profile) return { name: 'sign-in' };
  if (to.name === 'sign-in' && session.profile) return { name: 'home' };
  return true;
});

app.mount('#app');
