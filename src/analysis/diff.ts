/**
 * Unified diffs, as `git diff` prints them and as GitHub's PR files / compare APIs return each
 * file's `patch` (the hunks without the `diff --git` header). Tolerant: anything that is not a
 * header or a hunk line is skipped, and a hunk whose counts disagree with its lines ends where its
 * lines end. `\ No newline at end of file` is ignored.
 */
import type { DiffLine, FileDiff, Hunk, Segment } from './types';

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

/** `a/src/x.ts` → `src/x.ts`; `/dev/null` → null; quoted names unquoted. */
function headerPath(raw: string): string | null {
  let p = raw.trim().replace(/\t.*$/, '');
  if (p.startsWith('"') && p.endsWith('"')) p = unquote(p.slice(1, -1));
  if (p === '/dev/null') return null;
  return p.replace(/^[ab]\//, '');
}

/** Git's C-style quoting of unusual file names (octal escapes are UTF-8 bytes). */
function unquote(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch !== '\\') {
      bytes.push(...new TextEncoder().encode(ch));
      continue;
    }
    const next = s[++i] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(Number.parseInt(s.slice(i, i + 3), 8));
      i += 2;
    } else bytes.push(({ n: 10, t: 9, r: 13, '"': 34, '\\': 92 } as Record<string, number>)[next] ?? next.charCodeAt(0));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** Parses hunks from `lines`, starting at `i`, until a line that cannot belong to a hunk. */
function parseHunks(lines: readonly string[], start: number): { hunks: Hunk[]; next: number } {
  const hunks: Hunk[] = [];
  let i = start;
  while (i < lines.length) {
    const m = HUNK.exec(lines[i] as string);
    if (!m) break;
    let oldLine = Number(m[1]);
    let newLine = Number(m[3]);
    let oldLeft = m[2] === undefined ? 1 : Number(m[2]);
    let newLeft = m[4] === undefined ? 1 : Number(m[4]);
    const hunk: Hunk = { oldStart: oldLine, newStart: newLine, lines: [], heading: m[5] ?? '' };
    i++;
    while (i < lines.length && (oldLeft > 0 || newLeft > 0)) {
      const line = lines[i] as string;
      const tag = line[0];
      if (tag === '+') {
        hunk.lines.push({ kind: 'add', text: line.slice(1), newLine: newLine++ });
        newLeft--;
      } else if (tag === '-') {
        hunk.lines.push({ kind: 'del', text: line.slice(1), oldLine: oldLine++ });
        oldLeft--;
      } else if (tag === ' ' || line === '') {
        // An empty line inside a hunk is a context line whose leading space was stripped (some tools do).
        hunk.lines.push({ kind: 'ctx', text: line.slice(1), newLine: newLine++, oldLine: oldLine++ });
        oldLeft--;
        newLeft--;
      } else if (tag === '\\') {
        // "\ No newline at end of file"
      } else break;
      i++;
    }
    while (i < lines.length && (lines[i] as string).startsWith('\\')) i++;
    hunks.push(hunk);
  }
  return { hunks, next: i };
}

function statusOf(oldPath: string | null, newPath: string | null, renamed: boolean): FileDiff['status'] {
  if (oldPath === null) return 'added';
  if (newPath === null) return 'removed';
  return renamed || oldPath !== newPath ? 'renamed' : 'modified';
}

/** The files of a unified diff (git or plain `diff -u`). */
export function parseDiff(text: string): FileDiff[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const files: FileDiff[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.startsWith('diff --git ') || line.startsWith('--- ') || HUNK.test(line)) {
      let gitOld: string | null | undefined;
      let gitNew: string | null | undefined;
      let renamed = false;
      let binary = false;
      let created = false;
      let deleted = false;
      if (line.startsWith('diff --git ')) {
        const names = /^diff --git (?:"?a\/)(.+?)"? (?:"?b\/)(.+?)"?$/.exec(line);
        if (names) {
          gitOld = headerPath(`a/${names[1]}`);
          gitNew = headerPath(`b/${names[2]}`);
        }
        i++;
        // Extended headers up to the ---/+++ pair or the next file.
        while (i < lines.length) {
          const h = lines[i] as string;
          if (h.startsWith('diff --git ') || h.startsWith('--- ') || HUNK.test(h)) break;
          if (h.startsWith('rename from ')) gitOld = h.slice(12);
          else if (h.startsWith('rename to ')) gitNew = h.slice(10);
          else if (h.startsWith('new file mode')) created = true;
          else if (h.startsWith('deleted file mode')) deleted = true;
          else if (h.startsWith('Binary files ') || h === 'GIT binary patch') binary = true;
          if (h.startsWith('rename ') || h.startsWith('similarity index')) renamed = true;
          i++;
        }
      }
      let oldPath = created ? null : (gitOld ?? null);
      let newPath = deleted ? null : (gitNew ?? null);
      if ((lines[i] ?? '').startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ ')) {
        oldPath = headerPath((lines[i] as string).slice(4));
        newPath = headerPath((lines[i + 1] as string).slice(4));
        i += 2;
      } else if ((lines[i] ?? '').startsWith('--- ')) {
        i++; // a stray '---' (not a header pair): skip it
        continue;
      }
      const { hunks, next } = parseHunks(lines, i);
      i = next;
      const path = newPath ?? oldPath;
      if (path === null) {
        // A bare patch (no header at all): one unnamed file.
        if (hunks.length) files.push({ path: '', oldPath: null, status: 'modified', hunks, binary });
        continue;
      }
      files.push({ path, oldPath, status: statusOf(oldPath, newPath, renamed), hunks, binary });
      while (i < lines.length && (lines[i] as string).startsWith('Binary files ')) {
        const last = files.at(-1);
        if (last) last.binary = true;
        i++;
      }
    } else i++;
  }
  return files;
}

/** One file from the PR files / compare API: its name, status and `patch` (absent for binaries and very large diffs). */
export function fileFromPatch(path: string, patch: string | undefined, status = 'modified', previousPath?: string): FileDiff {
  const normal: FileDiff['status'] =
    status === 'added' ? 'added' : status === 'removed' ? 'removed' : status === 'renamed' ? 'renamed' : 'modified';
  const hunks = patch ? parseHunks(patch.replace(/\r\n/g, '\n').split('\n'), 0).hunks : [];
  return { path, oldPath: previousPath ?? (normal === 'added' ? null : path), status: normal, hunks, binary: false };
}

/** The new-side lines of a file's hunks as consecutive runs. */
export function segmentsOf(hunks: readonly Hunk[]): Segment[] {
  const out: Segment[] = [];
  let current: Segment | null = null;
  for (const hunk of hunks) {
    for (const l of hunk.lines as DiffLine[]) {
      if (l.newLine === undefined) continue;
      if (!current || current.start + current.lines.length !== l.newLine) {
        current = { start: l.newLine, lines: [], added: [] };
        out.push(current);
      }
      current.lines.push(l.text);
      current.added.push(l.kind === 'add');
    }
  }
  return out;
}
