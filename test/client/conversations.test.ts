// Conversation list and thread logic (client/src/features/conversations): live events keep the list
// right without a reload; inline images resolve to their attachment; only safe image sources load.
import { expect } from 'chai';
import type { ConversationFilters } from '../../client/src/api/conversations.js';
import type { Conversation, Message } from '../../client/src/api/types.js';
import { applyConversation, applyMessage, decidableLocally, matchesFilters, upsertMessage } from '../../client/src/features/conversations/live-list.js';
import { cidTargets, isAllowedImageSource, neutraliseHandlers, resolveCid } from '../../client/src/features/conversations/email-html.js';

const ME = 7;
const message = (id: number, conversationId: number, attrs: Partial<Message> = {}): Message => ({
  id, conversation_id: conversationId, content: `m${id}`, message_type: 0, content_type: 'incoming_email', content_attributes: {},
  status: 'sent', private: false, external_error: null, created_at: 1000 + id, sender: null, attachments: [], ...attrs,
});
const conversation = (id: number, attrs: Partial<Conversation> = {}): Conversation => ({
  id, uuid: `u${id}`, inbox_id: 1, status: 'open', unread_count: 0, last_activity_at: 1000 + id, additional_attributes: {},
  meta: { sender: null, assignee: null }, messages: [], ...attrs,
});
const open: ConversationFilters = { status: 'open', assignee_type: 'all' };
const ids = (list: Conversation[]) => list.map((c) => c.id);

describe('client: conversation list live updates', () => {
  it('decides filter membership by status, inbox and assignee', () => {
    const mine = conversation(1, { meta: { sender: null, assignee: { id: ME } as Conversation['meta']['assignee'] } });
    expect(matchesFilters(mine, { ...open, assignee_type: 'me' }, ME)).to.equal(true);
    expect(matchesFilters(mine, { ...open, assignee_type: 'unassigned' }, ME)).to.equal(false);
    expect(matchesFilters(mine, { ...open, inbox_id: 2 }, ME)).to.equal(false);
    expect(matchesFilters(conversation(2, { status: 'resolved' }), open, ME)).to.equal(false);
    expect(matchesFilters(conversation(2, { status: 'resolved' }), { ...open, status: 'all' }, ME)).to.equal(true);
    expect(decidableLocally({ ...open, q: 'printer' })).to.equal(false);
  });

  it('adds a new matching conversation at the top, drops one that stops matching', () => {
    let list = [conversation(1), conversation(2)];
    list = applyConversation(list, conversation(3, { last_activity_at: 5000, messages: [message(9, 3)] }), open, ME);
    expect(ids(list)).to.deep.equal([3, 2, 1]);
    list = applyConversation(list, conversation(2, { status: 'resolved' }), open, ME);
    expect(ids(list)).to.deep.equal([3, 1]);
  });

  it('keeps the newer preview when a conversation update carries an older last message', () => {
    const list = [conversation(1, { messages: [message(10, 1)] })];
    expect(applyConversation(list, conversation(1, { messages: [message(8, 1)] }), open, ME)[0].messages[0].id).to.equal(10);
  });

  it('moves a conversation up on a new message, counts it unread once, ignores other conversations\' and older messages', () => {
    let list = [conversation(2, { last_activity_at: 3000 }), conversation(1)];
    list = applyMessage(list, message(20, 1, { created_at: 4000 }));
    expect(ids(list)).to.deep.equal([1, 2]);
    expect(list[0]).to.include({ unread_count: 1, last_activity_at: 4000 });
    expect(applyMessage(list, message(20, 1, { created_at: 4000 }))[0].unread_count).to.equal(1);
    expect(applyMessage(list, message(5, 1))[0].messages[0].id).to.equal(20);
    expect(applyMessage(list, message(30, 99))).to.equal(list);
    expect(applyMessage(list, message(21, 1, { message_type: 1 }))[0].unread_count).to.equal(1);
  });

  it('appends new thread messages in id order and replaces a changed one (sending -> failed)', () => {
    let thread = [message(1, 1), message(3, 1, { message_type: 1, status: 'sending' })];
    thread = upsertMessage(thread, message(2, 1));
    expect(thread.map((m) => m.id)).to.deep.equal([1, 2, 3]);
    thread = upsertMessage(thread, message(3, 1, { message_type: 1, status: 'failed', external_error: '550 no' }));
    expect(thread.map((m) => [m.id, m.status])).to.deep.equal([[1, 'sent'], [2, 'sent'], [3, 'failed']]);
  });
});

describe('client: email HTML images', () => {
  const targets = cidTargets([
    { content_id: '<Logo@Mail>', data_url: '/api/v1/accounts/1/attachments/5/download' },
    { content_id: 'a@b', data_url: '/api/v1/accounts/1/attachments/6/download' },
    { content_id: null, data_url: '/x' },
  ]);

  it('resolves cid: references case-insensitively, with or without brackets or URL-encoding', () => {
    expect(resolveCid('cid:logo@mail', targets)).to.equal('/api/v1/accounts/1/attachments/5/download');
    expect(resolveCid('CID:<Logo@Mail>', targets)).to.equal('/api/v1/accounts/1/attachments/5/download');
    expect(resolveCid('cid:a%40b', targets)).to.equal('/api/v1/accounts/1/attachments/6/download');
    expect(resolveCid('cid:unknown', targets)).to.equal(null);
    expect(resolveCid('https://tracker.example/p.gif', targets)).to.equal(null);
  });

  it('renames inline handlers inside tags before parsing, and leaves text alone', () => {
    expect(neutraliseHandlers('<img src="x" onerror="alert(1)"><svg/onload=alert(2)><a href="#" ONCLICK = "x">we are online=yes</a>'))
      .to.equal('<img src="x" data-blocked-onerror="alert(1)"><svg/data-blocked-onload=alert(2)><a href="#" data-blocked-ONCLICK = "x">we are online=yes</a>');
  });

  it('allows same-origin, data: and blob: images only', () => {
    expect(isAllowedImageSource('/api/v1/accounts/1/attachments/5/download')).to.equal(true);
    expect(isAllowedImageSource('data:image/png;base64,AAAA')).to.equal(true);
    expect(isAllowedImageSource('blob:http://app/123')).to.equal(true);
    expect(isAllowedImageSource('//evil.example/x.png')).to.equal(false);
    expect(isAllowedImageSource('https://tracker.example/p.gif')).to.equal(false);
    expect(isAllowedImageSource('data:text/html,<script>')).to.equal(false);
  });
});
