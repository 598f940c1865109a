import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { TEST_PLATFORM_TOKEN } from '../support/env.js';
import { http } from '../support/runtime.js';

/**
 * Written the way a Chatwoot API client (SDK, Zapier-style integration, script) uses Chatwoot: only
 * Chatwoot's paths, bodies and response shapes, and only the tokens Chatwoot hands out. If this
 * test needs a change, a Chatwoot client would too.
 */
describe('A Chatwoot API client, end to end', () => {
  it('provisions an account and admin, then creates an inbox, contact, conversation and note, lists and resolves', async () => {
    const api = await http();
    const run = randomUUID().slice(0, 8);
    const platform = { api_access_token: TEST_PLATFORM_TOKEN };

    // Platform API: account, user (its payload carries the user's access token) and membership.
    const account = await api.post('/platform/api/v1/accounts').set(platform).send({ name: `Client Co ${run}` }).expect(200);
    const user = await api
      .post('/platform/api/v1/users')
      .set(platform)
      .send({ name: 'Client Admin', email: `client.admin.${run}@example.test`, password: 'Client-pass1' })
      .expect(200);
    await api.post(`/platform/api/v1/accounts/${account.body.id}/account_users`).set(platform).send({ user_id: user.body.id, role: 'administrator' }).expect(200);

    const auth = { api_access_token: user.body.access_token as string };
    const base = `/api/v1/accounts/${account.body.id}`;

    const profile = await api.get('/api/v1/profile').set(auth).expect(200);
    expect(profile.body.accounts.map((a: { id: number; role: string }) => [a.id, a.role])).to.deep.equal([[account.body.id, 'administrator']]);

    // An email inbox with Chatwoot's channel params.
    const inboxEmail = `support.${run}@example.test`;
    const inbox = await api
      .post(`${base}/inboxes`)
      .set(auth)
      .send({
        name: 'Support',
        channel: {
          type: 'email', email: inboxEmail,
          imap_enabled: true, imap_address: 'imap.example.test', imap_port: 993, imap_login: inboxEmail, imap_password: 'Imap-pass1', imap_enable_ssl: true,
          smtp_enabled: true, smtp_address: 'smtp.example.test', smtp_port: 587, smtp_login: inboxEmail, smtp_password: 'Smtp-pass1', smtp_enable_starttls_auto: true,
        },
      })
      .expect(200);
    expect(inbox.body).to.include({ name: 'Support', channel_type: 'Channel::Email', email: inboxEmail });
    await api.post(`${base}/inbox_members`).set(auth).send({ inbox_id: inbox.body.id, user_ids: [user.body.id] }).expect(200);

    // A contact with its identity in the inbox.
    const contactEmail = `jane.${run}@example.test`;
    const contact = await api.post(`${base}/contacts`).set(auth).send({ name: 'Jane Doe', email: contactEmail, inbox_id: inbox.body.id }).expect(200);
    expect(contact.body.payload.contact).to.include({ name: 'Jane Doe', email: contactEmail });
    expect(contact.body.payload.contact_inbox.source_id).to.be.a('string');
    const contactId = contact.body.payload.contact.id as number;

    // A conversation; its `id` is the per-account display id that every later path uses.
    const conversation = await api.post(`${base}/conversations`).set(auth).send({ inbox_id: inbox.body.id, contact_id: contactId }).expect(200);
    expect(conversation.body).to.include({ account_id: account.body.id, inbox_id: inbox.body.id, status: 'open' });
    expect(conversation.body.meta.sender.id).to.equal(contactId);
    const conversationId = conversation.body.id as number;
    expect(conversationId).to.equal(1);

    // A private note.
    const note = await api.post(`${base}/conversations/${conversationId}/messages`).set(auth).send({ content: 'Called her back; waiting on the invoice.', private: true }).expect(200);
    expect(note.body).to.include({ content: 'Called her back; waiting on the invoice.', private: true, conversation_id: conversationId, message_type: 1 });
    expect(note.body.sender).to.include({ id: user.body.id, type: 'user' });

    // List them back.
    const open = await api.get(`${base}/conversations`).query({ status: 'open' }).set(auth).expect(200);
    expect(open.body.data.meta).to.include({ all_count: 1 });
    expect(open.body.data.payload.map((c: { id: number }) => c.id)).to.deep.equal([conversationId]);
    const messages = await api.get(`${base}/conversations/${conversationId}/messages`).set(auth).expect(200);
    expect(messages.body.payload.map((m: { id: number }) => m.id)).to.include(note.body.id);
    expect(messages.body.meta.contact).to.include({ id: contactId, type: 'contact' });
    const contacts = await api.get(`${base}/contacts/search`).query({ q: 'Jane' }).set(auth).expect(200);
    expect(contacts.body.payload.map((c: { id: number }) => c.id)).to.deep.equal([contactId]);

    // Resolve it.
    const resolved = await api.post(`${base}/conversations/${conversationId}/toggle_status`).set(auth).send({ status: 'resolved' }).expect(200);
    expect(resolved.body.meta).to.deep.equal({});
    expect(resolved.body.payload).to.include({ success: true, current_status: 'resolved', conversation_id: conversationId });

    const stillOpen = await api.get(`${base}/conversations`).query({ status: 'open' }).set(auth).expect(200);
    expect(stillOpen.body.data.payload).to.deep.equal([]);
    const done = await api.get(`${base}/conversations`).query({ status: 'resolved' }).set(auth).expect(200);
    expect(done.body.data.payload.map((c: { id: number; status: string }) => [c.id, c.status])).to.deep.equal([[conversationId, 'resolved']]);
    const shown = await api.get(`${base}/conversations/${conversationId}`).set(auth).expect(200);
    expect(shown.body.status).to.equal('resolved');
  });
});
