/**
 * Who should look at an issue: the paths and areas it names (file paths, stack-trace frames,
 * `module` names in backticks) and the CODEOWNERS rules that cover them, matched as GitHub does
 * (gitignore-style patterns, the last matching rule wins).
 */
import type { IssueInput } from './types';

const PATH =
  /(?:^|[\s("'`[<,=:])(\/?(?:[\w@.-]+\/)*[\w@-][\w@.-]*\.(?:[jt]sx?|[cm][jt]s|py|go|rb|java|kt|rs|c|cc|cpp|h|hpp|cs|php|swift|scala|vue|svelte|sql|ya?ml|toml|json|md|mdx|sh|css|scss|html|proto|tf|gradle|ex|exs|erl|lua|dart))(?::\d+(?::\d+)?)?(?=$|[\s)"'`\]>,:;.!?])/gm;
const DIR = /(?:^|[\s("'`[<])((?:\.{0,2}\/)?(?:[\w@-][\w@.-]*\/){1,}[\w@.-]*)(?=$|[\s)"'`\]>,:;!?])/gm;
const BACKTICK = /`([a-z][\w-]*(?:\/[\w.-]+)*\/?)`/gi;

function normalizePath(raw: string): string | null {
  let p = raw
    .replace(/^webpack:\/\/\/?/, '')
    .replace(/^file:\/\//, '')
    .replace(/\\/g, '/');
  p = p.replace(/:\d+(:\d+)?$/, '');
  if (/^(https?:|www\.)/.test(p) || p.includes('//')) return null;
  if (/(^|\/)(node_modules|site-packages|dist-packages|vendor)\//.test(p) || p.startsWith('node:') || p.startsWith('internal/'))
    return null;
  // An absolute path from someone's machine: keep from the first familiar top-level folder.
  const fromRoot =
    /(?:^|\/)((?:src|lib|app|apps|packages|pkg|cmd|internal|test|tests|docs|scripts|config|migrations|emulator|bench)\/.*)$/.exec(p);
  if (p.startsWith('/') || /^[a-z]:\//i.test(p)) p = fromRoot?.[1] ?? p.replace(/^\/+/, '');
  p = p.replace(/^(\.\.?\/)+/, '');
  if (p === '' || p.length > 200 || /^\d+(\.\d+)+\/?$/.test(p) || p.split('/').some((seg) => seg === '..')) return null;
  return p;
}

/** Paths and areas an issue names (file paths like src/x.ts, `module` names in backticks, stack-trace files). */
export function mentionedPaths(issue: IssueInput): string[] {
  const text = `${issue.title ?? ''}\n${issue.body ?? ''}`.replace(/https?:\/\/\S+/g, ' ');
  const found: string[] = [];
  const add = (raw: string | undefined) => {
    const p = raw === undefined ? null : normalizePath(raw);
    if (p && !found.includes(p)) found.push(p);
  };
  for (const m of text.matchAll(PATH)) add(m[1]);
  for (const m of text.matchAll(/File "([^"]+)", line \d+/g)) add(m[1]);
  for (const m of text.matchAll(DIR)) if (!/\.\w+$/.test(m[1] ?? '') && (m[1] ?? '').split('/').filter(Boolean).length >= 2) add(m[1]);
  for (const m of text.matchAll(BACKTICK)) if ((m[1] ?? '').includes('/')) add(m[1]);
  return found;
}

export interface CodeownersRule {
  pattern: string;
  owners: string[];
}

/** CODEOWNERS lines as rules, in file order; comments, blank lines and `[Section]` headers skipped. */
export function parseCodeowners(text: string): CodeownersRule[] {
  const rules: CodeownersRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '' || /^\^?\[.*\]/.test(line)) continue;
    const parts = line.match(/(?:\\ |\S)+/g) ?? [];
    const [pattern, ...owners] = parts;
    if (!pattern) continue;
    rules.push({
      pattern: pattern.replace(/\\(.)/g, '$1'),
      owners: owners.filter((o) => /^@[\w.-]+(\/[\w.-]+)?$|^[^@\s]+@[^@\s]+\.\w+$/.test(o)),
    });
  }
  return rules;
}

const escapeRegex = (text: string) => text.replace(/[.+^${}()|[\]\\]/g, '\\$&');

/** A CODEOWNERS pattern as a regex over repository paths (no leading slash). */
export function patternRegex(pattern: string): RegExp {
  let p = pattern;
  const dirOnly = p.endsWith('/');
  p = p.replace(/\/+$/, '');
  // A slash at the start or in the middle anchors the pattern at the root; otherwise it matches at any depth.
  const anchored = p.startsWith('/') || p.includes('/');
  p = p.replace(/^\/+/, '');
  let body = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === '*' && p[i + 1] === '*') {
      const slashAfter = p[i + 2] === '/';
      body += slashAfter ? '(?:.*/)?' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (c === '*') body += '[^/]*';
    else if (c === '?') body += '[^/]';
    else body += escapeRegex(c);
  }
  const lastSegment = p.split('/').pop();
  // `docs/*` owns the files directly in docs/ only (GitHub's rule); `docs/` and `docs` own everything below.
  const tail = dirOnly ? '/.*' : lastSegment === '*' && p.includes('/') ? '' : '(?:/.*)?';
  return new RegExp(`^${anchored ? '' : '(?:.*/)?'}${body}${tail}$`);
}

/** Owners of the paths: for each path the last matching rule's owners, merged in order, no repeats. */
export function ownersFor(rules: readonly CodeownersRule[], paths: readonly string[]): string[] {
  const compiled = rules.map((rule) => ({ rule, re: patternRegex(rule.pattern) }));
  const owners: string[] = [];
  for (const raw of paths) {
    const path = raw.replace(/^\.?\/+/, '');
    let match: CodeownersRule | undefined;
    for (const { rule, re } of compiled) if (re.test(path)) match = rule;
    for (const owner of match?.owners ?? []) if (!owners.includes(owner)) owners.push(owner);
  }
  return owners;
}
