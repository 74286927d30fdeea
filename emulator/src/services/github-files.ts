/**
 * The files of a pull request, for `GET /repos/:o/:r/pulls/:n/files`. Files seeded through the
 * control surface win; otherwise a deterministic list is generated from (full name, number), so
 * the local demo works with no seeding and the same pull request always shows the same files:
 * 3–12 files, mostly under `src/`, sometimes a test, a lockfile (no `patch`, as GitHub omits large
 * diffs), a CI workflow or a migration, each with additions, deletions and a unified-diff patch.
 */
import type { PullFileInput } from './github-store';

export interface PullFile {
  sha: string;
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  changes: number;
  blob_url: string;
  raw_url: string;
  contents_url: string;
  patch?: string;
}

/** FNV-1a, 32 bits: stable small ids and seeds derived from text. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable 40-hex "blob sha" for a file of a pull request. */
function blobSha(seed: string): string {
  let out = '';
  for (let i = 0; out.length < 40; i++) out += fnv1a(`${seed}:${i}`).toString(16).padStart(8, '0');
  return out.slice(0, 40);
}

function codeLine(filename: string, i: number, side: 'old' | 'new'): string {
  if (filename.endsWith('.sql')) return `CREATE TABLE IF NOT EXISTS t_${side}_${i} (id INTEGER PRIMARY KEY, value TEXT);`;
  if (filename.endsWith('.yml')) return `      - run: npm run step-${i}${side === 'old' ? ' --legacy' : ''}`;
  if (filename.endsWith('.md')) return `Line ${i} of the ${side === 'old' ? 'previous' : 'updated'} docs.`;
  return `  const value${i} = ${side === 'old' ? 'legacy' : 'compute'}Value${i}(input);`;
}

/** A unified-diff hunk with exactly `additions` added and `deletions` removed lines. */
export function makePatch(filename: string, status: string, additions: number, deletions: number): string {
  if (status === 'added') {
    return [`@@ -0,0 +1,${additions} @@`, ...Array.from({ length: additions }, (_, i) => `+${codeLine(filename, i, 'new')}`)].join('\n');
  }
  if (status === 'removed') {
    return [`@@ -1,${deletions} +0,0 @@`, ...Array.from({ length: deletions }, (_, i) => `-${codeLine(filename, i, 'old')}`)].join('\n');
  }
  return [
    `@@ -10,${deletions + 2} +10,${additions + 2} @@`,
    ' // context before',
    ...Array.from({ length: deletions }, (_, i) => `-${codeLine(filename, i, 'old')}`),
    ...Array.from({ length: additions }, (_, i) => `+${codeLine(filename, i, 'new')}`),
    ' // context after',
  ].join('\n');
}

const SRC_DIRS = ['api', 'core', 'lib', 'handlers', 'utils', 'models', 'services'];
const SRC_NAMES = ['router', 'client', 'parser', 'config', 'session', 'queue', 'cache', 'auth', 'render', 'schema', 'events', 'retry'];

/** The generated files of (full name, number); deterministic. */
export function generatePullFiles(fullName: string, number: number): PullFileInput[] {
  const random = prng(fnv1a(`${fullName.toLowerCase()}#${number}`));
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const count = int(3, 12);
  const files: PullFileInput[] = [];
  const names = new Set<string>();
  const add = (file: PullFileInput) => {
    if (files.length >= count || names.has(file.filename)) return;
    names.add(file.filename);
    files.push(file);
  };
  const extras: PullFileInput[] = [];
  if (random() < 0.3) extras.push({ filename: 'package-lock.json', status: 'modified', additions: int(40, 900), deletions: int(10, 600) });
  if (random() < 0.25)
    extras.push({ filename: '.github/workflows/ci.yml', status: 'modified', additions: int(1, 12), deletions: int(0, 6) });
  if (random() < 0.2) extras.push({ filename: 'migrations/0001.sql', status: 'added', additions: int(4, 40), deletions: 0 });
  const testName = random() < 0.5 ? pick(SRC_NAMES) : null;
  // Source files first (at least two), then the test and the extras, then more source files.
  let attempts = 0;
  const addSource = () => {
    const roll = random();
    const status = roll < 0.7 ? 'modified' : roll < 0.9 ? 'added' : 'removed';
    const filename = `src/${pick(SRC_DIRS)}/${pick(SRC_NAMES)}.ts`;
    add({
      filename,
      status,
      additions: status === 'removed' ? 0 : int(1, status === 'added' ? 120 : 60),
      deletions: status === 'added' ? 0 : int(status === 'removed' ? 5 : 0, status === 'removed' ? 80 : 40),
    });
  };
  while (files.length < 2 && attempts++ < 50) addSource();
  if (testName) add({ filename: `test/${testName}.test.ts`, status: 'modified', additions: int(3, 80), deletions: int(0, 20) });
  for (const extra of extras) add(extra);
  while (files.length < count && attempts++ < 200) addSource();
  return files.map((f) =>
    f.filename === 'package-lock.json' ? f : { ...f, patch: makePatch(f.filename, f.status, f.additions, f.deletions) },
  );
}

/** The API shape of a file of pull request `number` of `fullName`. */
export function toPullFile(fullName: string, number: number, file: PullFileInput): PullFile {
  const sha = blobSha(`${fullName.toLowerCase()}#${number}:${file.filename}`);
  const path = file.filename.split('/').map(encodeURIComponent).join('/');
  const out: PullFile = {
    sha,
    filename: file.filename,
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    changes: file.additions + file.deletions,
    blob_url: `https://github.com/${fullName}/blob/${sha}/${path}`,
    raw_url: `https://github.com/${fullName}/raw/${sha}/${path}`,
    contents_url: `https://api.github.com/repos/${fullName}/contents/${path}?ref=${sha}`,
  };
  if (file.patch !== undefined) out.patch = file.patch;
  return out;
}
