/**
 * Just enough syntax for the JS/TS and Python rules to read a call without a parser: split a
 * call's arguments (strings, template literals, brackets and comments respected), read the
 * expression assigned to a name a few lines above, and tell whether an argument is a plain
 * literal, visibly built from something else (interpolated, concatenated, formatted), or unknown.
 * Every scan is bounded, so a 20,000-character line costs at most a few thousand steps.
 */
import type { SourceFile } from '../types';
import { isCommentLine, matchSegments } from './util';

export type Dialect = 'js' | 'py';
/** `literal`: a constant string/number; `dynamic`: a string built from non-constants; `unknown`: anything else. */
export type Taint = 'literal' | 'dynamic' | 'unknown';

const CLOSE: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const MAX_SCAN = 4000;

/** Index just past the string that starts at `i` (a quote char; Python triple quotes too). */
function skipString(text: string, i: number, end: number, lang: Dialect): number {
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
 * or the end of an expression (`mode: 'expr'`: `;`, or a newline at depth 0 that does not continue
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
    } else if (stack.length === 0 && mode === 'expr' && (c === ';' || (c === '\n' && !continues(text, from, i)))) {
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

/** The expression that starts at `start` (up to `;`, a closing bracket, or a line end that does not continue it). */
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

/** Strips string literals (and a Python f-/r-/b- prefix) to `S`, keeping what is outside them. */
function outsideStrings(expr: string, lang: Dialect): { rest: string; strings: string[] } {
  const strings: string[] = [];
  let rest = '';
  for (let i = 0; i < expr.length; ) {
    const c = expr[i] as string;
    if (c === '"' || c === "'" || (c === '`' && lang === 'js')) {
      const j = c === '`' ? templateEnd(expr, i) : skipString(expr, i, expr.length, lang);
      let prefix = '';
      if (lang === 'py') {
        const m = /([rRbBuUfF]{1,2})$/.exec(rest);
        if (m && !/\w/.test(rest.charAt(rest.length - (m[1] as string).length - 1))) {
          prefix = (m[1] as string).toLowerCase();
          rest = rest.slice(0, -prefix.length);
        }
      }
      strings.push(prefix + expr.slice(i, j));
      rest += 'S';
      i = j;
    } else {
      rest += c;
      i++;
    }
  }
  return { rest, strings };
}

/** Index just past the template literal whose backtick is at `i`. */
function templateEnd(expr: string, i: number): number {
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

/** The interpolated expressions of a JS template literal or a Python f-string. */
export function interpolations(str: string, lang: Dialect): string[] {
  const out: string[] = [];
  const re = lang === 'js' ? /\$\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g : /(?<!\{)\{(?!\{)([^{}]*)\}/g;
  if (lang === 'py' && !/^[rbu]?f/i.test(str)) return out;
  for (let m = re.exec(str); m !== null; m = re.exec(str)) out.push((m[1] as string).trim());
  return out;
}

const isConstName = (s: string) => /^(?:[\w$]+\.)*[A-Z][A-Z0-9_]*$|^\d+$/.test(s);
/**
 * Pieces that do not make a string untrusted: constants (`TABLE`, `cls.LIMIT`), a table name the
 * code owns (`this.tableName`, `Model._meta.db_table`), placeholder lists (`placeholders`, `'?'`).
 */
const isSafePiece = (p: string) =>
  isConstName(p) ||
  /(?:^|\.)(?:_?table(?:_?name)?|db_table|__tablename__|schema(?:_?name)?)$/i.test(p) ||
  /placeholder/i.test(p) ||
  /['"][\s(),]*(?:\?|%s|\$\d+|:\w+)[\s(),?%s$\d]*['"]|\$\$\{/.test(p);
/** Places request input comes from. */
const SOURCE =
  /\b(?:req|request|ctx\.request|ctx\.query|ctx\.params|event\.(?:body|queryStringParameters|pathParameters)|process\.argv|sys\.argv)\s*[.[]|\binput\s*\(/;

export interface Classified {
  taint: Taint;
  /** The string parts of the expression, as written (quotes and Python prefixes kept). */
  strings: string[];
  /** Interpolated or concatenated non-constant pieces. */
  pieces: string[];
  /** A name that says SQL (`query`, `SQL`) formatted here, its text out of sight. */
  sqlByName?: true;
}

/** Whether an expression is a literal, a visibly built string, or unknown. Does not look up names. */
export function classify(expr: string, lang: Dialect): Classified {
  let e = expr.trim();
  while (e.startsWith('(') && e.endsWith(')') && callArgs(e, 0, lang)?.end === e.length - 1) e = e.slice(1, -1).trim();
  if (lang === 'js') e = e.replace(/\s+as\s+[\w.<>[\]]+$/, '').replace(/!$/, '');
  const { rest, strings } = outsideStrings(e, lang);
  const pieces: string[] = [];
  for (const s of strings) for (const p of interpolations(s, lang)) if (!isSafePiece(p)) pieces.push(p);
  if (strings.length === 0) {
    if (/^-?\d[\d_.]*$/.test(e) || /^(true|false|null|None|True|False|undefined)$/.test(e)) return { taint: 'literal', strings, pieces };
    return SOURCE.test(e) ? { taint: 'dynamic', strings, pieces: [e] } : { taint: 'unknown', strings, pieces };
  }
  const hasInterp = strings.some((s) => interpolations(s, lang).length > 0);
  const rs = rest.replace(/\s+/g, '');
  if (/^S+$/.test(rs)) return { taint: hasInterp ? (pieces.length ? 'dynamic' : 'literal') : 'literal', strings, pieces };
  // Built: concatenation, `%`-formatting, `.format(…)`, `.join(…)`, `.concat(…)`, `.replace(…)` with names outside strings.
  const names = (rest.match(/(?<![.\w$])[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*/g) ?? []).filter(
    (n) => !/^(S|str|String|f|r|b|u|await|new|this|self|len|int|repr)$/.test(n),
  );
  const built = /\+|%|\.format\s*\(|\.join\s*\(|\.concat\s*\(|\.replace\s*\(/.test(rest);
  if (built) {
    const live = names.filter((n) => !isSafePiece(n));
    if (live.length || pieces.length) return { taint: 'dynamic', strings, pieces: [...pieces, ...live] };
    return { taint: 'literal', strings, pieces };
  }
  return { taint: SOURCE.test(rest) ? 'dynamic' : 'unknown', strings, pieces };
}

/** Names of query structure (clauses, column lists, ordering) rather than values. */
const STRUCTURAL =
  /(?:^|[._])(?:where|clause|clauses|conditions?|conds?|filters?|columns?|cols|fields|order(?:_?by)?|sort|sets?|updates|assignments|joins?|limit|offset|group(?:_?by)?|returning|select(?:ed)?_?(?:cols|columns|fields)?)(?:_?(?:sql|str|clause|part|list))?$/i;

/**
 * Whether an interpolated SQL string is the common safe shape: the call also passes bound
 * parameters and every interpolated piece names query structure (`{where_clause}`, `${columns}`),
 * not a value.
 */
export function structuralOnly(r: Classified, passesParams: boolean): boolean {
  return (
    passesParams &&
    r.pieces.length > 0 &&
    r.pieces.every((p) => STRUCTURAL.test(p.replace(/\(.*$/s, '').replace(/^[\w$]+\.(?=[\w$]+$)/, '')))
  );
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What `name` holds at `line`, from assignments in the lines above (as far as the diff shows, at
 * most `reach` lines): the last plain assignment, made dynamic by any later `+=` of a non-literal.
 */
export function resolveName(file: SourceFile, name: string, line: number, lang: Dialect, reach = 40): Classified | null {
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) return null;
  const n = escapeRe(name);
  const assign =
    lang === 'js'
      ? new RegExp(`(?:^|[\\s;(,{])(?:(?:const|let|var)\\s+)?${n}\\s*(?::\\s*[\\w.<>\\[\\]| ]+)?(\\+?=)(?![=>])`)
      : new RegExp(`^\\s*${n}\\s*(?::\\s*[\\w.\\[\\], ]+)?(\\+?=)(?!=)`);
  let found: Classified | null = null;
  let appended = false;
  for (let l = Math.max(1, line - reach); l < line + 1; l++) {
    const text = file.lines.get(l);
    if (text === undefined || !text.includes(name)) continue;
    const m = assign.exec(text);
    if (!m) continue;
    const startAt = (m.index ?? 0) + m[0].length;
    const joined = [text.slice(startAt), ...[1, 2, 3, 4, 5, 6, 7, 8].map((k) => file.lines.get(l + k) ?? '')].join('\n');
    const r = scan(joined, 0, lang, 'expr');
    const rhs = (r?.parts.join(',') ?? '').trim();
    if (rhs === '' || (l === line && !rhs.length)) continue;
    const c = classify(rhs, lang);
    if (m[1] === '+=') {
      if (c.taint !== 'literal') appended = true;
    } else if (new RegExp(`^${n}\\s*[+%]`).test(rhs)) {
      if (classify(rhs.replace(new RegExp(`^${n}`), "''"), lang).taint !== 'literal') appended = true;
    } else {
      found = c;
      appended = false;
    }
  }
  if (found && appended) return { ...found, taint: 'dynamic' };
  if (!found && appended) return { taint: 'dynamic', strings: [], pieces: [name] };
  return found;
}

/**
 * `classify`, looking a bare name up in the lines above (`line` is the call's line): `cmd`, and
 * `sql % args`, `sql.format(…)`, `sql + x` where `sql` is a string assigned above.
 */
export function classifyArg(file: SourceFile, expr: string, line: number, lang: Dialect): Classified {
  const r = classifyArgRaw(file, expr, line, lang);
  if (r.taint !== 'dynamic' || r.sqlByName || r.pieces.length === 0) return r;
  // An interpolated name assigned a constant or a placeholder list above (`qs = ",".join("?" * n)`) is no value.
  const pieces = r.pieces.filter((p) => !/^[A-Za-z_$][\w$]*$/.test(p) || !constantName(file, p, line, lang));
  return pieces.length === 0 ? { ...r, taint: 'literal', pieces } : { ...r, pieces };
}

const PLACEHOLDER_TEXT = /^[rbuRBU]?(['"])[\s(),?%s$\d:]*\1$/;
function constantName(file: SourceFile, name: string, line: number, lang: Dialect): boolean {
  const r = resolveName(file, name, line - 1, lang);
  if (!r) return false;
  if (r.taint === 'literal') return true;
  return (
    r.strings.length > 0 &&
    r.strings.every((s) => PLACEHOLDER_TEXT.test(s)) &&
    r.pieces.every((p) => /\b(?:len|length|ids?|values|rows|items|keys)\b/.test(p) || /^[\w$.]+$/.test(p))
  );
}

function classifyArgRaw(file: SourceFile, expr: string, line: number, lang: Dialect): Classified {
  const e = expr.trim();
  const named = /^([A-Za-z_$][\w$]*)(?:\s*(%|\+|\.format\s*\(|\.replace\s*\()([\s\S]*))?$/.exec(e);
  if (named) {
    const r = resolveName(file, named[1] as string, line - 1, lang);
    if (!named[2]) return r ?? { taint: isConstName(e) ? 'literal' : 'unknown', strings: [], pieces: [e] };
    const applied = classify(`''${named[2]}${named[3]}`, lang);
    if (r?.strings.length && applied.taint === 'dynamic') return { taint: 'dynamic', strings: r.strings, pieces: applied.pieces };
    if (r?.strings.length && r.taint === 'dynamic') return r;
    // `QUERY % args`, `sql.format(...)` of a string defined out of sight: built, and (by its name) SQL.
    if (!r && named[2] !== '+' && applied.taint === 'dynamic' && /sql|query|stmt|statement/i.test(named[1] as string))
      return { taint: 'dynamic', strings: [], pieces: applied.pieces, sqlByName: true };
  }
  return classify(e, lang);
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

/** Whether the match at `pos` of a segment's text (line `line`, column `column`) is code. */
export function isCode(file: SourceFile, text: string, pos: number, line: number, column: number, lang: Dialect): boolean {
  const lineText = file.lines.get(line) ?? '';
  if (isCommentLine(file.language, lineText) || !isCodeAt(lineText, column - 1, lang)) return false;
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

/** SQL keywords as they are written, for `narrow`. */
export const SQL_NEEDLES = ['SELECT', 'select', 'Select', 'INSERT', 'insert', 'UPDATE', 'update', 'DELETE', 'delete', 'WHERE', 'where'];

/**
 * Each call matched by `re` (a global regex ending at the call's `(`) that is code, with its
 * arguments, in the segments that contain one of `needles` (all segments without them).
 */
export function* callSites(file: SourceFile, re: RegExp, lang: Dialect, needles?: readonly string[]): Generator<CallSite> {
  for (const m of matchSegments(needles ? narrow(file, needles) : file, re)) {
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
