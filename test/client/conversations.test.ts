// Conversation list and thread logic (client/src/features/conversations): live events keep the list
// right without a reload; inline images resolve to their attachment; only safe image sources load.
import { expect } from 'chai';
import { createPinia, setActivePinia } from 'pinia';
import type { ConversationFilters } from '../../client/src/api/conversations.js';
import type { Conversation, Message } from '../../client/src/api/types.js';
import { applyConversation, applyMessage, decidableLocally, matchesFilters, moveCounts, upsertMessage } from '../../client/src/features/conversations/live-list.js';
import { DraftBook, type DraftStorage } from '../../client/src/features/conversations/drafts.js';
import { previewOf } from '../../client/src/features/conversations/preview.js';
import { highlightParts } from '../../client/src/features/conversations/search-highlight.js';
import { useConversationsStore } from '../../client/src/stores/conversations.js';
import { isEmailInbox } from '../../client/src/api/inboxes.js';
import { cidTargets, isAllowedImageSource, neutraliseHandlers, resolveCid } from '../../client/src/features/conversations/email-html.js';

const ME = 7;
const message = (id: number, conversationId: number, attrs: Partial<Message> = {}): Message => ({
  id, conversation_id: conversationId, content: `m${id}`, message_type: 0, content_type: 'incoming_email', content_attributes: {},
  status: 'sent', private: false, external_error: null, created_at: 1000 + id, sender: null, attachments: [], ...attrs,
});
const conversation = (id: number, attrs: Partial<Conversation> = {}): Conversation => ({
  id, uuid: `u${id}`, inbox_id: 1, status: 'open', unread_count: 0, last_activity_at: 1000 + id, additional_attributes: {},
  priority: null, snoozed_until: null, labels: [], meta: { sender: null, assignee: null }, messages: [], ...attrs,
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

  it('an activity line becomes the last message but not the preview, and moves nothing, as the server\'s list', () => {
    const list = [conversation(2, { last_activity_at: 3000 }), conversation(1, { messages: [message(10, 1)], last_non_activity_message: message(10, 1) })];
    const after = applyMessage(list, message(11, 1, { message_type: 2, created_at: 9000, content: 'Assigned to Ann by automatic assignment' }));
    expect(ids(after)).to.deep.equal([2, 1]);
    const one = after.find((c) => c.id === 1)!;
    expect([one.messages[0].id, one.last_non_activity_message?.id, one.unread_count]).to.deep.equal([11, 10, 0]);
    expect(previewOf(one, ME).text).to.equal(one.last_non_activity_message!.content);
    const answered = applyMessage(after, message(12, 1, { created_at: 9500 }));
    expect([answered[0].id, answered[0].messages[0].id, answered[0].last_non_activity_message?.id]).to.deep.equal([1, 12, 12]);
  });

  it('appends new thread messages in id order and replaces a changed one (sending -> failed)', () => {
    let thread = [message(1, 1), message(3, 1, { message_type: 1, status: 'sending' })];
    thread = upsertMessage(thread, message(2, 1));
    expect(thread.map((m) => m.id)).to.deep.equal([1, 2, 3]);
    thread = upsertMessage(thread, message(3, 1, { message_type: 1, status: 'failed', external_error: '550 no' }));
    expect(thread.map((m) => [m.id, m.status])).to.deep.equal([[1, 'sent'], [2, 'sent'], [3, 'failed']]);
  });

  it('keeps a reply sent when the send request\'s answer (sending) arrives after the live update; a retry still goes back to sending', () => {
    let thread = [message(4, 1, { message_type: 1, status: 'sent' })];
    thread = upsertMessage(thread, message(4, 1, { message_type: 1, status: 'sending' }));
    expect(thread[0].status).to.equal('sent');
    thread = upsertMessage([message(5, 1, { message_type: 1, status: 'failed' })], message(5, 1, { message_type: 1, status: 'sending' }));
    expect(thread[0].status).to.equal('sending');
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

/** The browser's localStorage, as the drafts see it. */
class MemoryStorage implements DraftStorage {
  private readonly items = new Map<string, string>();
  get length() { return this.items.size; }
  key(i: number) { return [...this.items.keys()][i] ?? null; }
  getItem(k: string) { return this.items.get(k) ?? null; }
  setItem(k: string, v: string) { this.items.set(k, String(v)); }
  removeItem(k: string) { this.items.delete(k); }
}

describe('client: conversations store', () => {
  const agent = (id: number, name: string) => ({ id, name, available_name: name, type: 'user' as const });
  let store: ReturnType<typeof useConversationsStore>;
  beforeEach(() => {
    setActivePinia(createPinia());
    store = useConversationsStore();
    store.reset(1, ME);
  });

  it('moves a resolved conversation out of Open and its count from Open to Resolved; reopening moves it back', () => {
    store.list = [conversation(1), conversation(2)];
    store.counts = { open: 2, pending: 0, resolved: 5 };
    store.current = conversation(2);
    store.activeId = 2;
    store.applyChange(conversation(2, { status: 'resolved' }));
    expect(ids(store.list)).to.deep.equal([1]);
    expect(store.counts).to.deep.equal({ open: 1, pending: 0, resolved: 6 });
    expect(store.active?.status, 'the open conversation stays in view').to.equal('resolved');
    // The live event of the same change arrives afterwards: nothing moves twice.
    store.onConversation(conversation(2, { status: 'resolved' }));
    expect(store.counts).to.deep.equal({ open: 1, pending: 0, resolved: 6 });
    store.applyChange(conversation(2, { status: 'open' }));
    expect(ids(store.list)).to.deep.equal([2, 1]);
    expect(store.counts).to.deep.equal({ open: 2, pending: 0, resolved: 5 });
  });

  it('follows another agent\'s status change of a listed conversation, and a new one, in list and counts', () => {
    store.filters = { status: 'resolved', assignee_type: 'all' };
    store.list = [conversation(3, { status: 'resolved' })];
    store.counts = { open: 4, pending: 0, resolved: 1 };
    store.onConversation(conversation(3, { status: 'open' }));
    expect(ids(store.list)).to.deep.equal([]);
    expect(store.counts).to.deep.equal({ open: 5, pending: 0, resolved: 0 });
    store.onConversation(conversation(9), true);
    expect(store.counts).to.deep.equal({ open: 6, pending: 0, resolved: 0 });
  });

  it('counts only what the other filters show', () => {
    const mine = { ...open, assignee_type: 'me' as const };
    const someone = conversation(1, { meta: { sender: null, assignee: { id: 99 } as Conversation['meta']['assignee'] } });
    expect(moveCounts({ open: 3, resolved: 0 }, someone, { ...someone, status: 'resolved' }, mine, ME)).to.deep.equal({ open: 3, resolved: 0 });
    expect(moveCounts({ open: 3, resolved: 0 }, someone, { ...someone, status: 'resolved' }, open, ME)).to.deep.equal({ open: 2, resolved: 1 });
  });

  it('keeps the open conversation when a list reload does not contain it (opened by link, beyond page 1)', () => {
    store.activeId = 40;
    store.current = conversation(40, { additional_attributes: { mail_subject: 'Old one' } });
    store.adoptPage([conversation(1), conversation(2)]);
    expect(store.active?.additional_attributes.mail_subject).to.equal('Old one');
    store.adoptPage([conversation(40, { status: 'pending', unread_count: 3 }), conversation(1)]);
    expect(store.active).to.include({ id: 40, status: 'pending', unread_count: 0 });
  });
});

describe('client: reply drafts', () => {
  const file = (name: string) => new File(['x'], name);
  const draft = (content: string, extra: Partial<{ cc: string; mode: 'reply' | 'note'; files: string[] }> = {}) =>
    ({ content, to: '', cc: '', bcc: '', mode: 'reply' as const, files: [], ...extra });

  it('keeps one draft per conversation, per user and account, and forgets an empty or sent one', () => {
    const storage = new MemoryStorage();
    const mine = new DraftBook(storage, { userId: 1, accountId: 1 });
    mine.write(10, draft('Dear Ann', { cc: 'boss@x.test', mode: 'note' }), []);
    mine.write(11, draft('Dear Bob'), []);
    expect(mine.read(10)).to.include({ content: 'Dear Ann', cc: 'boss@x.test', mode: 'note' });
    expect(mine.read(11)?.content).to.equal('Dear Bob');
    expect(mine.read(12)).to.equal(null);
    expect(mine.conversationIds()).to.deep.equal([10, 11]);
    // Another agent on the same browser, or the same agent in another account, sees none of them.
    expect(new DraftBook(storage, { userId: 2, accountId: 1 }).read(10)).to.equal(null);
    expect(new DraftBook(storage, { userId: 1, accountId: 2 }).conversationIds()).to.deep.equal([]);
    expect(mine.write(11, draft('  '), [])).to.equal(false);
    mine.clear(10);
    expect(mine.conversationIds()).to.deep.equal([]);
  });

  it('holds picked files in memory and, in a new tab (reload), only their names', () => {
    const storage = new MemoryStorage();
    const book = new DraftBook(storage, { userId: 3, accountId: 1 });
    const picked = [file('steps.txt')];
    book.write(5, draft('', { files: ['steps.txt'] }), picked);
    expect(book.files(5)).to.deep.equal(picked);
    expect(book.read(5)?.files).to.deep.equal(['steps.txt']);
    expect(new DraftBook(storage, { userId: 3, accountId: 1 }).files(6)).to.deep.equal([]);
    storage.setItem('leadchat.draft.v1:3:1:7', '{not json');
    expect(book.read(7)).to.equal(null);
  });
});

describe('client: list preview', () => {
  const reply = (id: number, sender: Message['sender'], attrs: Partial<Message> = {}) => message(id, 1, { message_type: 1, sender, ...attrs });

  it('says "You" only for the signed-in agent\'s replies, another agent\'s first name otherwise', () => {
    expect(previewOf(conversation(1, { messages: [reply(1, { id: ME, name: 'Me Myself', type: 'user' })] }), ME).prefix).to.deep.equal({ kind: 'you' });
    expect(previewOf(conversation(1, { messages: [reply(1, { id: 8, name: 'Alex Agent', available_name: 'Alex Agent', type: 'user' })] }), ME).prefix).to.deep.equal({ kind: 'agent', name: 'Alex' });
    expect(previewOf(conversation(1, { messages: [reply(1, { id: 8, name: 'Alex', type: 'user' }, { private: true })] }), ME).prefix).to.deep.equal({ kind: 'note' });
    expect(previewOf(conversation(1, { messages: [message(1, 1)] }), ME).prefix).to.equal(null);
  });

  it('shows an email\'s subject when it has no text, and nothing only for a conversation without messages', () => {
    const htmlOnly = message(1, 1, { content: '', content_attributes: { email: { subject: 'Quarterly report' } } });
    expect(previewOf(conversation(1, { messages: [htmlOnly] }), ME).text).to.equal('Quarterly report');
    expect(previewOf(conversation(1, { messages: [message(1, 1, { content: null })], additional_attributes: { mail_subject: 'Fallback' } }), ME).text).to.equal('Fallback');
    expect(previewOf(conversation(1, { messages: [message(1, 1, { content: ' two\n lines ' })] }), ME).text).to.equal('two lines');
    expect(previewOf(conversation(1), ME).text).to.equal('');
  });

  it('reads a note\'s mention links as the names they stand for', () => {
    const note = message(1, 1, { private: true, content: 'Ask [@Ann Lee](mention://user/4/Ann%20Lee) and [@Billing](mention://team/2/Billing) [x](https://a.test)' });
    expect(previewOf(conversation(1, { messages: [note] }), ME).text).to.equal('Ask @Ann Lee and @Billing [x](https://a.test)');
  });
});

describe('client: email-only parts', () => {
  it('follow the inbox, or while the inbox list loads the channel the conversation names', () => {
    expect(isEmailInbox({ channel_type: 'Channel::Api' })).to.equal(false);
    expect(isEmailInbox({ channel_type: 'Channel::Email' }, 'Channel::Api')).to.equal(true);
    expect(isEmailInbox(undefined, 'Channel::Api'), 'an API inbox opened by link').to.equal(false);
    expect(isEmailInbox(undefined, 'Channel::Email')).to.equal(true);
    expect(isEmailInbox(undefined), 'nothing known yet: as before').to.equal(true);
  });
});

describe('client: search highlight', () => {
  it('renders only the marks as markup: escaped text comes back as text, a stray tag stays text', () => {
    expect(highlightParts('Re: &lt;b&gt;late&lt;/b&gt; <mark>invoice</mark> &amp; <mark>refund</mark>')).to.deep.equal([
      { text: 'Re: <b>late</b> ', marked: false },
      { text: 'invoice', marked: true },
      { text: ' & ', marked: false },
      { text: 'refund', marked: true },
    ]);
    expect(highlightParts('<img src=x onerror=alert(1)>')).to.deep.equal([{ text: '<img src=x onerror=alert(1)>', marked: false }]);
    expect(highlightParts('')).to.deep.equal([]);
  });
});
