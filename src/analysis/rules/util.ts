/**
 * Helpers the rules share. Rules look at the new side of a file as the diff shows it; these give
 * them lines, multi-line windows and a rough "is this code or a comment" without a parser.
 */
import type { Language, Match, Segment, SourceFile } from '../types';

/** Every known new-side line (added and context) with its number, in order. */
export function* linesOf(file: SourceFile): Generator<{ line: number; text: string; added: boolean; segment: Segment; index: number }> {
  for (const segment of file.segments)
    for (let index = 0; index < segment.lines.length; index++)
      yield { line: segment.start + index, text: segment.lines[index] as string, added: segment.added[index] === true, segment, index };
}

/** Only the added lines. */
export function* addedLines(file: SourceFile): Generator<{ line: number; text: string; segment: Segment; index: number }> {
  for (const l of linesOf(file)) if (l.added) yield l;
}

/**
 * Runs a global regex over each segment's text joined with newlines (so a match may span lines);
 * yields each match with its first and last line. `re` must have the `g` flag.
 */
export function* matchSegments(
  file: SourceFile,
  re: RegExp,
): Generator<{ match: RegExpExecArray; line: number; endLine: number; column: number }> {
  for (const segment of file.segments) {
    const text = segment.lines.join('\n');
    const starts: number[] = [];
    let offset = 0;
    for (const l of segment.lines) {
      starts.push(offset);
      offset += l.length + 1;
    }
    const lineAt = (pos: number) => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] as number) <= pos) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0].length === 0) re.lastIndex++;
      const first = lineAt(m.index);
      const last = lineAt(m.index + Math.max(0, m[0].length - 1));
      yield { match: m, line: segment.start + first, endLine: segment.start + last, column: m.index - (starts[first] as number) + 1 };
    }
  }
}

/** Lines `before` above to `after` below `line`, as far as the diff shows them, joined with newlines. */
export function around(file: SourceFile, line: number, before: number, after: number): string {
  const out: string[] = [];
  for (let l = line - before; l <= line + after; l++) {
    const text = file.lines.get(l);
    if (text !== undefined) out.push(text);
  }
  return out.join('\n');
}

const LINE_COMMENT: Partial<Record<Language, RegExp>> = {
  javascript: /^\s*(\/\/|\/?\*)/,
  typescript: /^\s*(\/\/|\/?\*)/,
  go: /^\s*(\/\/|\/?\*)/,
  java: /^\s*(\/\/|\/?\*)/,
  python: /^\s*#/,
  ruby: /^\s*#/,
  yaml: /^\s*#/,
  workflow: /^\s*#/,
  shell: /^\s*#/,
};

/** The whole line is a comment (a rough, per-language test: `//`, `/*`, `*`, `#`). */
export function isCommentLine(language: Language | null, text: string): boolean {
  const re = language ? LINE_COMMENT[language] : undefined;
  return re ? re.test(text) : false;
}

/** A Match for a regex match found by matchSegments. */
export const at = (m: { line: number; endLine: number; column: number }, extra: Partial<Match> = {}): Match => ({
  line: m.line,
  endLine: m.endLine,
  column: m.column,
  ...extra,
});

/**
 * The arguments of a call: the text after the `(` at `open` up to its matching `)`, skipping brackets
 * inside '…', "…" and `…` literals. An unclosed call (cut off by the diff) gives the text as far as
 * `max` characters. Used by the language rules to read multi-line calls.
 */
export function callArgs(text: string, open: number, max = 3000): string {
  const end = Math.min(text.length, open + max);
  let depth = 0;
  let quote = '';
  for (let i = open; i < end; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote || (c === '\n' && quote !== '`')) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1, end);
}

/** Splits argument text at its top-level commas (or `separator`, e.g. `+`), not inside brackets or string literals. */
export function splitArgs(args: string, separator = ','): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let from = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === separator && depth === 0) {
      out.push(args.slice(from, i).trim());
      from = i + 1;
    }
  }
  const last = args.slice(from).trim();
  if (last !== '' || out.length > 0) out.push(last);
  return out;
}

/** Whether position `pos` of one line of code lies inside a '…', "…" or `…` literal opened on that line. */
export function inStringAt(line: string, pos: number): boolean {
  let quote = '';
  for (let i = 0; i < pos && i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') quote = c;
  }
  return quote !== '';
}

const TEXTS = new WeakMap<SourceFile, string>();

/** Every known new-side line of the file joined with newlines (computed once per file), for cheap prefilters. */
export function textOf(file: SourceFile): string {
  let text = TEXTS.get(file);
  if (text === undefined) {
    text = file.segments.map((s) => s.lines.join('\n')).join('\n');
    TEXTS.set(file, text);
  }
  return text;
}

/** Whether the file's known lines contain any of `tokens` (a plain substring test: the cheap gate before a rule's regexes). */
export function mentions(file: SourceFile, ...tokens: string[]): boolean {
  const text = textOf(file);
  return tokens.some((t) => text.includes(t));
}

const COMPILED = new Map<string, RegExp>();

/** `new RegExp(source)`, compiled once and kept (bounded): rules build name-specific patterns for the same names again and again. */
export function regexFor(source: string): RegExp {
  let re = COMPILED.get(source);
  if (re === undefined) {
    if (COMPILED.size > 1000) COMPILED.clear();
    re = new RegExp(source);
    COMPILED.set(source, re);
  }
  return re;
}

/**
 * At most `max` matches per line: real code has a few calls on a line, while a minified or generated
 * 20,000-character line can hold thousands, and each match may cost a scan of its arguments.
 */
export function* capPerLine<T extends { line: number }>(hits: Iterable<T>, max = 8): Generator<T> {
  let line = -1;
  let n = 0;
  for (const hit of hits) {
    n = hit.line === line ? n + 1 : 0;
    line = hit.line;
    if (n < max) yield hit;
  }
}
