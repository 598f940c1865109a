// Automatic assignment on the installation the first-day walk set up: the administrator caps an inbox
// at one open conversation per agent; Ivy has her dashboard open; a customer's conversation arrives
// and is Ivy's at once — in her list, her bell and the thread's activity line — and the next one,
// over her cap, waits unassigned.
import { expect } from 'chai';
import { accountApi, IVY, signInAs, useWalk } from './support/walk.js';

describe('acceptance: automatic assignment (round-robin)', function () {
  this.timeout(120_000);
  const walk = useWalk('leadchat-acceptance-round-robin-');

  it('a new conversation goes to the agent who is online, with a line saying so; over the cap it waits unassigned', async () => {
    const { product, browser, page } = walk;
    const base = await signInAs(product, page, product.admin);
    const accountPath = new URL(base).pathname.replace('/app', '/api/v1');
    const api = await accountApi(product, page, base);
    const ivy = ((await api('/agents')) as { id: number; email: string }[]).find((a) => a.email === IVY.email)!;
    const inbox = await api('/inboxes', { name: 'Round-robin walk', channel: { type: 'email', email: `round.robin.${Date.now()}@example.test`, imap_enabled: false, smtp_enabled: false } });
    await api('/inbox_members', { inbox_id: inbox.id, user_ids: [ivy.id] });

    // The administrator caps the inbox at one open conversation per agent.
    await page.goto(`${base}/settings/inboxes/${inbox.id}`);
    await page.fill('#inbox-max-assignment', '1');
    await page.locator('.config button[type=submit]').click();
    await page.locator('.config [role=status]').waitFor();

    // Ivy opens her dashboard on her own conversations.
    const ivyPage = await browser.browser.newPage({ viewport: { width: 1366, height: 768 } });
    await signInAs(product, ivyPage, IVY);
    await ivyPage.selectOption('#assignee-filter', 'me');
    const unread = async () => (await (await ivyPage.request.get(`${product.base}${accountPath}/notifications/unread_count`)).json()) as number;
    const before = await unread();

    const customer = async (name: string) => {
      const contact = (await api('/contacts', { name: `${name} Customer`, email: `${name.toLowerCase()}.${Date.now()}@customer.test` })).payload.contact;
      const conversation = (await api('/conversations', { inbox_id: inbox.id, contact_id: contact.id })) as { id: number; meta: { assignee: { id: number } | null } };
      await api(`/conversations/${conversation.id}/messages`, { content: `${name} needs a hand.`, message_type: 'incoming' });
      return conversation;
    };
    const first = await customer('Omar');
    expect(first.meta.assignee?.id, 'the answer already names Ivy').to.equal(ivy.id);
    // Her tab title counts it (a new conversation in her inbox, and assigned to her) and the bell says
    // it is hers; the notification opens it, and the thread says who assigned it.
    await ivyPage.waitForFunction((n) => Number(/^\((\d+)\) /.exec(document.title)?.[1] ?? 0) >= n, before + 1, { timeout: 15_000 });
    await ivyPage.locator('.bell__button').click();
    await ivyPage.getByText(`A new conversation [ID -${first.id}] has been assigned to you.`).click();
    await ivyPage.waitForURL(new RegExp(`/conversations/${first.id}$`));
    await ivyPage.locator('.activity', { hasText: 'Assigned to Ivy Agent by automatic assignment' }).waitFor();
    await ivyPage.screenshot({ path: `${browser.shotsDir}/ivy-assigned.png` });

    const second = await customer('Pia');
    expect(second.meta.assignee, 'Ivy is at the cap').to.equal(null);
    await page.goto(`${base}/conversations`);
    await page.selectOption('#assignee-filter', 'unassigned');
    await page.locator(`.conversation-list [data-testid=conversation-${second.id}]`).waitFor();
    await browser.shot('unassigned-over-cap');
    await ivyPage.close();
    expect(browser.takeConsoleErrors()).to.deep.equal([]);
  });
});
