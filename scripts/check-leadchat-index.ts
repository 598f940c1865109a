import { checkLeadchatIndex } from './leadchat-index.js';

const problems = checkLeadchatIndex(process.cwd());
if (problems.length) {
  process.stderr.write(`LEADCHAT.md does not match the tree:\n  - ${problems.join('\n  - ')}\n`);
  process.exit(1);
}
process.stdout.write('LEADCHAT.md matches the tree (overlay modules and core markers).\n');
