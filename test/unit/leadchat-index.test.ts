import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkLeadchatIndex } from '../../scripts/leadchat-index.js';

describe('LEADCHAT.md index check', () => {
  let root: string;
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  const index = (a: string[], b: string[]) =>
    write('LEADCHAT.md', `# Index\n## A. Overlay modules\n${a.map((f) => `- \`${f}\``).join('\n')}\n## B. Direct edits\n${b.map((f) => `- \`${f}\``).join('\n')}\n## C. Owned\n## D. Staging\n`);

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'leadchat-index-'));
    write('overlays/leadchat/server/index.ts', 'export {}');
    write('overlays/leadchat/test/x.test.ts', 'export {}');
    write('server/src/app.ts', 'a\n// === LeadChat: webhook ===\nb\n// === /LeadChat ===\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('passes when both sections agree with the tree (tests are not modules)', () => {
    index(['overlays/leadchat/server/index.ts'], ['server/src/app.ts']);
    expect(checkLeadchatIndex(root)).to.deep.equal([]);
  });

  it('names a marked core file missing from B, an unmarked file listed in B, and an unlisted overlay module', () => {
    write('server/src/plain.ts', 'nothing here');
    index([], ['server/src/plain.ts']);
    expect(checkLeadchatIndex(root)).to.deep.equal([
      'server/src/app.ts carries LeadChat markers but is not listed in LEADCHAT.md section B',
      'LEADCHAT.md section B lists server/src/plain.ts, which carries no LeadChat markers',
      'overlay module overlays/leadchat/server/index.ts is not listed in LEADCHAT.md section A',
    ]);
  });

  it('names an unclosed marker', () => {
    write('server/src/app.ts', '// === LeadChat: oops ===\nno close\n');
    index(['overlays/leadchat/server/index.ts'], ['server/src/app.ts']);
    expect(checkLeadchatIndex(root)).to.deep.equal(['server/src/app.ts: 1 "=== LeadChat: … ===" markers but 0 "=== /LeadChat ===" markers']);
  });
});
