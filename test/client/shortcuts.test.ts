import { expect } from 'chai';
import { neighbour, shortcutFor } from '../../client/src/features/conversations/shortcuts.js';

const key = (k: string, attrs: Partial<KeyboardEvent> = {}, target: object | null = { tagName: 'BODY' }) =>
  shortcutFor({ key: k, ctrlKey: false, altKey: false, metaKey: false, target: target as EventTarget, ...attrs });

describe('client: keyboard shortcuts', () => {
  it('maps single keys (either case) to actions, ? to the help', () => {
    expect(['j', 'k', 'r', 'n', 'e', 'i', 'l', '?', 'J'].map((k) => key(k))).to.deep.equal(['next', 'previous', 'reply', 'note', 'resolve', 'assign_me', 'label', 'help', 'next']);
    expect(key('x')).to.equal(null);
  });

  it('leaves keys typed into fields and keys with Ctrl, Alt or Meta alone', () => {
    for (const tagName of ['INPUT', 'TEXTAREA', 'SELECT']) expect(key('e', {}, { tagName })).to.equal(null);
    expect(key('e', {}, { tagName: 'DIV', isContentEditable: true })).to.equal(null);
    expect(key('r', { ctrlKey: true })).to.equal(null);
    expect(key('j', { altKey: true })).to.equal(null);
    expect(key('k', { metaKey: true })).to.equal(null);
  });

  it('steps through the list, staying at its ends, starting at the top when nothing is open', () => {
    expect(neighbour([5, 4, 3], 4, 1)).to.equal(3);
    expect(neighbour([5, 4, 3], 4, -1)).to.equal(5);
    expect(neighbour([5, 4, 3], 3, 1)).to.equal(3);
    expect(neighbour([5, 4, 3], 5, -1)).to.equal(5);
    expect(neighbour([5, 4, 3], null, 1)).to.equal(5);
    expect(neighbour([5, 4, 3], 9, 1)).to.equal(5);
    expect(neighbour([], 1, 1)).to.equal(null);
  });
});
