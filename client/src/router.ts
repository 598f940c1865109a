import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { useSessionStore } from './stores/session';

const accountRoutes: RouteRecordRaw[] = [
  { path: '', redirect: { name: 'conversations' } },
  {
    path: 'conversations',
    component: () => import('./features/conversations/ConversationsPage.vue'),
    children: [
      { path: '', name: 'conversations', component: () => import('./features/conversations/NoConversationSelected.vue') },
      { path: ':conversationId(\\d+)', name: 'conversation', component: () => import('./features/conversations/ConversationView.vue') },
    ],
  },
  { path: 'contacts', name: 'contacts', component: () => import('./features/contacts/ContactsPage.vue') },
  { path: 'reports', name: 'reports', meta: { admin: true }, component: () => import('./features/reports/ReportsPage.vue') },
  { path: 'contacts/:contactId(\\d+)', name: 'contact', component: () => import('./features/contacts/ContactPage.vue') },
  { path: 'profile', name: 'profile', component: () => import('./features/profile/ProfilePage.vue') },
  {
    path: 'settings',
    component: () => import('./features/settings/SettingsLayout.vue'),
    // Agents and inboxes are the administrators'; integrations (e.g. a person's own mailbox) are everyone's.
    children: [
      // beforeEnter, not redirect: a redirect is resolved before the session is restored, when nobody is an administrator yet.
      { path: '', name: 'settings', component: { render: () => null }, beforeEnter: (to) => ({ name: useSessionStore().isAdmin ? 'settings-agents' : 'settings-integrations', params: to.params }) },
      { path: 'agents', name: 'settings-agents', meta: { admin: true }, component: () => import('./features/settings/AgentsPage.vue') },
      { path: 'inboxes', name: 'settings-inboxes', meta: { admin: true }, component: () => import('./features/settings/InboxesPage.vue') },
      { path: 'labels', name: 'settings-labels', meta: { admin: true }, component: () => import('./features/settings/LabelsPage.vue') },
      { path: 'teams', name: 'settings-teams', meta: { admin: true }, component: () => import('./features/settings/TeamsPage.vue') },
      { path: 'automation', name: 'settings-automation', meta: { admin: true }, component: () => import('./features/automation/AutomationPage.vue') },
      {
        // Chatwoot's wizard: child routes under one parent that draws the step rail.
        path: 'inboxes/new',
        meta: { admin: true },
        component: () => import('./features/inbox-wizard/InboxWizard.vue'),
        children: [
          { path: '', name: 'inbox-new', component: () => import('./features/inbox-wizard/ChannelStep.vue') },
          { path: 'email', name: 'inbox-new-email', component: () => import('./features/inbox-wizard/EmailProvidersStep.vue') },
          { path: 'email/:provider', name: 'inbox-new-email-provider', component: () => import('./features/inbox-wizard/ProviderFormStep.vue') },
          { path: 'api', name: 'inbox-new-api', component: () => import('./features/inbox-wizard/ApiChannelStep.vue') },
          // A provider's sign-in that failed comes back to /inboxes/new/<provider>?error=&message=: its card's form.
          { path: ':provider([a-z][a-z0-9_]*)', redirect: (to) => ({ name: 'inbox-new-email-provider', params: to.params, query: to.query }) },
          { path: ':inboxId(\\d+)/agents', name: 'inbox-new-agents', component: () => import('./features/inbox-wizard/AgentsStep.vue') },
          { path: ':inboxId(\\d+)/finish', name: 'inbox-new-finish', component: () => import('./features/inbox-wizard/FinishStep.vue') },
        ],
      },
      // Where the OAuth callbacks send the browser once a mailbox is connected: the wizard's agents step.
      { path: 'inboxes/:inboxId(\\d+)/agents', redirect: (to) => ({ name: 'inbox-new-agents', params: to.params, query: to.query }) },
      { path: 'inboxes/:inboxId(\\d+)', name: 'inbox-settings', meta: { admin: true }, component: () => import('./features/inbox-settings/InboxSettingsPage.vue') },
      { path: 'bots', name: 'settings-bots', meta: { admin: true }, component: () => import('./features/settings/BotsPage.vue') },
      { path: 'canned_responses', name: 'settings-canned', meta: { admin: true }, component: () => import('./features/settings/CannedResponsesPage.vue') },
      { path: 'integrations', name: 'settings-integrations', component: () => import('./features/integrations/IntegrationsPage.vue') },
      { path: 'integrations/:integrationId', name: 'settings-integration', component: () => import('./features/integrations/IntegrationPage.vue') },
    ],
  },
];

export function createDashboardRouter() {
  const router = createRouter({
    history: createWebHistory(),
    routes: [
      { path: '/', name: 'home', component: { render: () => null }, meta: { auth: true } },
      // Server redirects that end "in the dashboard" (e.g. after an admin consent) land on /app.
      { path: '/app', redirect: { name: 'home' } },
      { path: '/sign_in', name: 'sign-in', component: () => import('./features/session/SignInPage.vue') },
      // Devise's paths, which the invitation and reset emails link to.
      { path: '/auth/password/edit', name: 'set-password', component: () => import('./features/session/SetPasswordPage.vue') },
      { path: '/auth/password/new', name: 'forgot-password', component: () => import('./features/session/ForgotPasswordPage.vue') },
      // The invitation email for an existing user links here: their profile in their current account.
      { path: '/profile', name: 'my-profile', component: { render: () => null }, meta: { auth: true } },
      {
        path: '/app/accounts/:accountId(\\d+)',
        component: () => import('./layout/AppShell.vue'),
        meta: { auth: true },
        children: accountRoutes,
      },
      { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('./layout/NotFoundPage.vue') },
    ],
  });

  router.beforeEach(async (to) => {
    const session = useSessionStore();
    if (!session.checked) await session.restore();
    const needsAuth = to.matched.some((r) => r.meta.auth);
    if (needsAuth && !session.profile) return { name: 'sign-in', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
    if (to.name === 'my-profile' && session.accountId) return { name: 'profile', params: { accountId: session.accountId } };
    if ((to.name === 'sign-in' || to.name === 'home') && session.profile) {
      if (!session.accountId) return to.name === 'sign-in' ? true : { name: 'not-found', params: { pathMatch: ['no-account'] } };
      return { name: 'conversations', params: { accountId: session.accountId } };
    }
    if (to.params.accountId) {
      const id = Number(to.params.accountId);
      if (!session.profile?.accounts.some((a) => a.id === id)) return { name: 'not-found', params: { pathMatch: to.path.slice(1).split('/') } };
      if (session.accountId !== id) session.switchAccount(id);
      if (to.matched.some((r) => r.meta.admin) && !session.isAdmin) return { name: 'conversations', params: { accountId: id } };
    }
    return true;
  });
  return router;
}
