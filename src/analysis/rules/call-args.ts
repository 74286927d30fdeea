/**
 * Just enough syntax for the JS/TS and Python rules to read a call without a parser: find the
 * calls a regex names that are code (not comments, strings, docstrings or multi-line templates),
 * split their arguments (strings, template literals, regex literals, brackets and comments
 * respected) and read an expression. What an argument holds is taint.ts's business. Every scan
 * is bounded, so a 20,000-character line costs at most a few thousand steps.
 */
import type { SourceFile } from '../types';
import { isCommentLine, matchSegments } from './util';

export type Dialect = 'js' | 'py';

const CLOSE: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const MAX_SCAN = 4000;

/** Index just past the string that starts at `i` (a quote char; Python triple quotes too). */
export function skipString(text: string, i: number, end: number, lang: Dialect): number {
  const q = text[i] as string;
  if (lang === 'py' && text.startsWith(q.repeat(3), i)) {
    const close = text.indexOf(q.repeat(3), i + 3);
    return close < 0 || close > end ? end : close + 3;
  }
  for (let j = i + 1; j < end; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === q) return j + 1;
    else if (c === '\n' && q !== '`') return j; // unterminated: stop at the line's end
  }
  return end;
}

/**
 * Scans from `start` until the bracket that closes the call (`mode: 'call'`, start just after `(`)
 * or the end of an expression (`mode: 'expr'`: `;`, a comma, or a newline at depth 0 that does not continue
 * the expression). Returns the top-level pieces separated by commas and the index where it stopped.
 */
function scan(text: string, start: number, lang: Dialect, mode: 'call' | 'expr'): { parts: string[]; end: number } | null {
  const stack: string[] = [];
  const parts: string[] = [];
  let from = start;
  const end = Math.min(text.length, start + MAX_SCAN);
  let i = start;
  while (i < end) {
    const c = text[i] as string;
    if (stack[stack.length - 1] === '`') {
      if (c === '`') stack.pop();
      else if (c === '$' && text[i + 1] === '{') stack.push('}');
      i += c === '\\' || (c === '$' && text[i + 1] === '{') ? 2 : 1;
      continue;
    }
    if (c === '"' || c === "'") {
      i = skipString(text, i, end, lang);
      continue;
    }
    if (c === '`' && lang === 'js') {
      stack.push('`');
      i++;
      continue;
    }
    if (lang === 'js' && isRegexStart(text, i)) {
      i = regexEnd(text, i);
      continue;
    }
    const lineComment = lang === 'js' ? c === '/' && text[i + 1] === '/' : c === '#';
    if (lineComment || (lang === 'js' && c === '/' && text[i + 1] === '*')) {
      const close = lineComment ? text.indexOf('\n', i) : text.indexOf('*/', i + 2);
      i = close < 0 ? end : lineComment ? close : close + 2;
      continue;
    }
    if (c in CLOSE) {
      stack.push(CLOSE[c] as string);
      i++;
    } else if (c === ')' || c === ']' || c === '}') {
      if (stack.length === 0) {
        if (mode === 'call' && c !== ')') return null;
        parts.push(text.slice(from, i).trim());
        return { parts, end: i };
      }
      stack.pop();
      i++;
    } else if (stack.length === 0 && c === ',' && mode === 'call') {
      parts.push(text.slice(from, i).trim());
      from = ++i;
    } else if (stack.length === 0 && mode === 'expr' && (c === ';' || c === ',' || (c === '\n' && !continues(text, from, i)))) {
      parts.push(text.slice(from, i).trim());
      return { parts, end: i };
    } else i++;
  }
  if (mode === 'expr') return { parts: [...parts, text.slice(from, i).trim()], end: i };
  return null;
}

/** A newline inside an expression continues it when the line ends or the next begins with an operator. */
function continues(text: string, from: number, nl: number): boolean {
  const before = text.slice(from, nl).trimEnd();
  if (before === '' || /[+%=(,\\]$|\b(and|or|in)$/.test(before)) return true;
  return /^\s*[+.%?:]/.test(text.slice(nl + 1, nl + 200));
}

/** The arguments of the call whose `(` is at `open`, and the index of its `)`; null if unbalanced within reach. */
export function callArgs(text: string, open: number, lang: Dialect): { args: string[]; end: number } | null {
  const r = scan(text, open + 1, lang, 'call');
  if (!r) return null;
  const args = r.parts.length === 1 && r.parts[0] === '' ? [] : r.parts;
  return { args, end: r.end };
}

/** The expression that starts at `start` (up to `;`, a top-level comma, a closing bracket, or a line end that does not continue it). */
export function exprAt(text: string, start: number, lang: Dialect): string {
  return (scan(text, start, lang, 'expr')?.parts.join(',') ?? '').trim();
}

/** The value of a keyword argument (`shell=True`, `{ shell: true }` is not this), or undefined. */
export function keywordArg(args: readonly string[], name: string): string | undefined {
  for (const a of args) {
    const m = /^(\w+)\s*=(?!=)\s*([\s\S]*)$/.exec(a);
    if (m && m[1] === name) return (m[2] as string).trim();
  }
  return undefined;
}

/** Index just past the template literal whose backtick is at `i`. */
export function templateEnd(expr: string, i: number): number {
  let depth = 0;
  for (let j = i + 1; j < expr.length; j++) {
    const c = expr[j];
    if (c === '\\') j++;
    else if (depth === 0 && c === '`') return j + 1;
    else if (c === '$' && expr[j + 1] === '{') {
      depth++;
      j++;
    } else if (c === '}' && depth > 0) depth--;
  }
  return expr.length;
}

export interface CallSite {
  /** The call's first line, its last line, and the 1-based column of the match. */
  line: number;
  endLine: number;
  column: number;
  args: string[];
  /** The regex match (its `input` is the segment's text). */
  match: RegExpExecArray;
  /** Index of the call's `(` and `)` in `match.input`. */
  open: number;
  close: number;
}

/** Inside a Python triple-quoted string, judged by the quotes before `pos` in the segment. */
function inDocstring(text: string, pos: number): boolean {
  let n = 0;
  for (let i = text.indexOf('"""'); i >= 0 && i < pos; i = text.indexOf('"""', i + 3)) n++;
  let m = 0;
  for (let i = text.indexOf("'''"); i >= 0 && i < pos; i = text.indexOf("'''", i + 3)) m++;
  return n % 2 === 1 || m % 2 === 1;
}

/** Other scanners' reviewed-and-accepted markers on the line (Bandit, Semgrep, Ruff/flake8-bandit, Sonar, eslint-plugin-security). */
const REVIEWED = /(?:#|\/\/|\/\*).*(?:\bnosec\b|\bnosemgrep\b|\bnoqa:\s*S\d|\bNOSONAR\b|eslint-disable-line\s+security\/)/;
const REVIEWED_NEXT = /(?:#|\/\/|\/\*)\s*(?:nosemgrep\b|eslint-disable-next-line\s+security\/)/;

/** Whether the match at `pos` of a segment's text (line `line`, column `column`) is code. */
export function isCode(file: SourceFile, text: string, pos: number, line: number, column: number, lang: Dialect): boolean {
  const lineText = file.lines.get(line) ?? '';
  if (isCommentLine(file.language, lineText) || !isCodeAt(lineText, column - 1, lang)) return false;
  if (REVIEWED.test(lineText) || REVIEWED_NEXT.test(file.lines.get(line - 1) ?? '')) return false;
  if (lang === 'js') return !inTemplate(text, pos);
  return !((text.includes('"""') || text.includes("'''")) && inDocstring(text, pos));
}

/** A `/` that starts a regex literal (after an operator or an opening bracket), not a division or a comment. */
const isRegexStart = (text: string, i: number) =>
  text[i] === '/' &&
  text[i + 1] !== '/' &&
  text[i + 1] !== '*' &&
  /(?:^|[(,=:[!&|?{};]|\breturn)\s*$/.test(text.slice(Math.max(0, i - 20), i));

/** Index just past the regex literal whose `/` is at `i` (its line's end if it does not close). */
function regexEnd(text: string, i: number): number {
  let klass = false;
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === '\n') return j;
    else if (c === '[') klass = true;
    else if (c === ']') klass = false;
    else if (c === '/' && !klass) return j + 1;
  }
  return text.length;
}

/** Inside a template literal that spans lines: scans from a line start up to 3,000 characters before `pos`. */
function inTemplate(text: string, pos: number): boolean {
  if (!text.includes('`')) return false;
  let i = Math.max(0, text.lastIndexOf('\n', Math.max(0, pos - 3000)));
  let template = false;
  while (i < pos) {
    const c = text[i];
    if (template) {
      if (c === '`') template = false;
      i += c === '\\' ? 2 : 1;
    } else if (c === '"' || c === "'") i = skipString(text, i, pos, 'js');
    else if (c === '/' && text[i + 1] !== '/' && text[i + 1] !== '*' && /(?:^|[(,=:[!&|?{};])\s*$/.test(text.slice(Math.max(0, i - 20), i)))
      i = regexEnd(text, i);
    else if (c === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? pos : nl;
    } else {
      if (c === '`') template = true;
      i++;
    }
  }
  return template;
}

/**
 * The file with only the segments where some line contains one of `needles` (a cheap prefilter:
 * most segments of a large diff never reach a rule's regex).
 */
export function narrow(file: SourceFile, needles: readonly string[]): SourceFile {
  const any = new RegExp(needles.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')); // V8 caches the compiled pattern
  const segments = file.segments.filter((s) => s.lines.some((l) => any.test(l)));
  return segments.length === file.segments.length ? file : { ...file, segments };
}

/** More matches of one rule on one line than this is generated or minified text: the rest of the line is skipped. */
const MAX_PER_LINE = 16;

/**
 * matchSegments over the segments holding one of `needles`, at most MAX_PER_LINE matches a line,
 * so a pathological line (thousands of `eval(`) costs a bounded amount of reading.
 */
export function* segmentMatches(file: SourceFile, re: RegExp, needles?: readonly string[]): ReturnType<typeof matchSegments> {
  let line = -1;
  let count = 0;
  for (const m of matchSegments(needles ? narrow(file, needles) : file, re)) {
    count = m.line === line ? count + 1 : 1;
    line = m.line;
    if (count <= MAX_PER_LINE) yield m;
  }
}

/** SQL keywords as they are written, for `narrow`. */
export const SQL_NEEDLES = ['SELECT', 'select', 'Select', 'INSERT', 'insert', 'UPDATE', 'update', 'DELETE', 'delete', 'WHERE', 'where'];

/**
 * Each call matched by `re` (a global regex ending at the call's `(`) that is code, with its
 * arguments, in the segments that contain one of `needles` (all segments without them).
 */
export function* callSites(file: SourceFile, re: RegExp, lang: Dialect, needles?: readonly string[]): Generator<CallSite> {
  for (const m of segmentMatches(file, re, needles)) {
    const text = m.match.input;
    const open = m.match.index + m.match[0].length - 1;
    // `name` at a line's end and `(` on the next is not a call (Python) or almost never one (JS).
    if (text[open] !== '(' || m.match[0].includes('\n') || !isCode(file, text, m.match.index, m.line, m.column, lang)) continue;
    const call = callArgs(text, open, lang);
    if (!call) continue;
    yield {
      line: m.line,
      endLine: m.line + linesBetween(text, open, call.end),
      column: m.column,
      args: call.args,
      match: m.match,
      open,
      close: call.end,
    };
  }
}

/**
 * Where `col` (0-based) of `text` is code and not inside a string or after a line comment, as far as
 * one line shows it.
 */
export function isCodeAt(text: string, col: number, lang: Dialect): boolean {
  for (let i = 0; i < col && i < text.length; ) {
    const c = text[i] as string;
    if (c === '"' || c === "'" || (c === '`' && lang === 'js')) {
      const j = c === '`' ? templateEnd(text, i) : skipString(text, i, text.length, lang);
      if (j > col) return false;
      i = j;
    } else if (lang === 'js' && isRegexStart(text, i)) i = regexEnd(text, i);
    else if ((lang === 'js' && c === '/' && text[i + 1] === '/') || (lang === 'py' && c === '#')) return false;
    else i++;
  }
  return true;
}

/** Text position → 0-based line offset within `text`. */
export const linesBetween = (text: string, from: number, to: number): number => {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
};
