import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const CORE_DIRS = ['server', 'client', 'migrations'];
const SKIP = new Set(['node_modules', 'dist']);
const OPEN = /===\s*LeadChat:\s*[^=]+===/;
const CLOSE = /===\s*\/LeadChat\s*===/;

function files(dir: string, exts: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p, exts) : exts.test(name) ? [p] : [];
  });
}

function section(markdown: string, letter: string): string {
  const match = markdown.match(new RegExp(`^## ${letter}\\.[^\\n]*\\n([\\s\\S]*?)(?=^## |$(?![\\s\\S]))`, 'm'));
  return match?.[1] ?? '';
}

const backticked = (text: string) => new Set([...text.matchAll(/`([^`\s]+\.[a-z]+)`/g)].map((m) => m[1]));

/**
 * LEADCHAT.md must agree with the tree: §B lists exactly the core files carrying LeadChat markers
 * (each opened marker closed), §A lists every overlay module. Returns the mismatches.
 */
export function checkLeadchatIndex(root: string): string[] {
  const problems: string[] = [];
  const indexPath = path.join(root, 'LEADCHAT.md');
  if (!existsSync(indexPath)) return ['LEADCHAT.md is missing at the repository root'];
  const index = readFileSync(indexPath, 'utf8');
  const listedB = backticked(section(index, 'B'));
  const listedA = backticked(section(index, 'A'));

  const marked = new Set<string>();
  for (const file of CORE_DIRS.flatMap((d) => files(path.join(root, d), /\.(ts|vue|js|json|html|css)$/))) {
    const rel = path.relative(root, file);
    const text = readFileSync(file, 'utf8');
    const opens = text.split('\n').filter((l) => OPEN.test(l)).length;
    const closes = text.split('\n').filter((l) => CLOSE.test(l)).length;
    if (opens === 0 && closes === 0) continue;
    marked.add(rel);
    if (opens !== closes) problems.push(`${rel}: ${opens} "=== LeadChat: … ===" markers but ${closes} "=== /LeadChat ===" markers`);
    if (!listedB.has(rel)) problems.push(`${rel} carries LeadChat markers but is not listed in LEADCHAT.md section B`);
  }
  for (const rel of listedB) {
    if (!marked.has(rel)) problems.push(`LEADCHAT.md section B lists ${rel}, which carries no LeadChat markers`);
  }

  for (const file of files(path.join(root, 'overlays'), /\.(ts|vue)$/)) {
    const rel = path.relative(root, file);
    if (/\/test\//.test(rel)) continue;
    if (!listedA.has(rel)) problems.push(`overlay module ${rel} is not listed in LEADCHAT.md section A`);
  }
  for (const rel of listedA) {
    if (!existsSync(path.join(root, rel))) problems.push(`LEADCHAT.md section A lists ${rel}, which does not exist`);
  }
  return problems;
}
