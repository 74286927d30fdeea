/**
 * Just enough Ruby syntax for the Ruby rules, without a parser: where a string expression's value
 * comes from (literal, built from data, request data, or unknown) through "…#{x}…" interpolation,
 * heredocs, `+` and a variable's assignments in the lines the diff shows, and calls with or without
 * parentheses. Constants, numbers (`.to_i`), quoted values (`quote(…)`, `Shellwords.escape`) and
 * table names count as safe; params/request/cookies are request data.
 */
import type { Match, Rule, Severity, SourceFile } from '../types';
import { callArgs, capPerLine, inStringAt, isCommentLine, matchSegments, regexFor, splitArgs } from './util';

export type Taint = 'literal' | 'dynamic' | 'request' | 'unknown';

export const REQUEST = /\b(?:params|cookies|request\.(?:params|body|query_string|headers|env|raw_post|GET|POST)|request\[)/;
const SAFE_PART =
  /^(?:[A-Z]\w*(?:::[A-Z]\w*)*|\d+(?:\.\d+)?|:\w+|Rails\.(?:root|env)\b.*|__dir__|__FILE__|(?:[\w.]*\.)?(?:quoted_)?table_name|[\w.]+\.(?:to_i|to_f|to_r|count|size|length|id)|.*\.(?:to_i|to_f)|.*\(&:to_i\)(?:\.join\(.*\))?|(?:Integer|Float)\(.*\)|.*\bquote\w*\(.*\)|.*\bsanitize\w*\(.*\)|Shellwords\.(?:escape|join)\(.*\)|.*\.shellescape|[\w.]+\.quote\(.*\))$/s;
export const SINGLE = /^'(?:[^'\\]|\\.)*'$|^%q[({[].*[)}\]]$/s;
export const IDENT = /^[a-z_]\w*$/;

/** End index (exclusive) of the string literal that opens at `from` (", ` or '), honouring #{…}. */
function stringEnd(s: string, from: number): number {
  const q = s[from];
  let depth = 0;
  for (let i = from + 1; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (q !== "'" && c === '#' && s[i + 1] === '{' && depth === 0) {
      depth = 1;
      i++;
    } else if (depth > 0 && c === '{') depth++;
    else if (depth > 0 && c === '}') depth--;
    else if (depth === 0 && c === q) return i + 1;
  }
  return s.length;
}

/** The #{…} contents of a string, heredoc or command literal (the first 20: enough to judge it). */
export function interpolations(s: string): string[] {
  const out: string[] = [];
  for (let i = s.indexOf('#{'); i >= 0 && out.length < 20; i = s.indexOf('#{', i + 2)) out.push(callArgs(s, i + 1, 300));
  return out;
}

export function fromParts(parts: string[]): Taint {
  const data = parts.filter((p) => !SAFE_PART.test(p.trim()));
  if (data.some((p) => REQUEST.test(p))) return 'request';
  return data.length === 0 ? 'literal' : 'dynamic';
}

/** A heredoc opened in `expr` at `line`: its body, from the lines after. */
export function heredoc(file: SourceFile, line: number, expr: string): { body: string; quoted: boolean } | null {
  const m = /<<[~-]?(['"`]?)([A-Z_]\w*)\1/.exec(expr);
  if (!m) return null;
  const body: string[] = [];
  for (let l = line + 1; l < line + 80; l++) {
    const text = file.lines.get(l);
    if (text === undefined || text.trim() === m[2]) break;
    body.push(text);
  }
  return { body: body.join('\n'), quoted: m[1] === "'" };
}

/** Where a Ruby string expression's value comes from. */
export function rubyTaint(file: SourceFile, line: number, expr: string, depth = 0): Taint {
  const e = expr
    .trim()
    .replace(/^\((.*)\)$/s, '$1')
    .trim();
  if (e === '' || SINGLE.test(e) || /^(?::\w+|\d+|nil|true|false)$/.test(e)) return 'literal';
  if (/^[a-z_]\w*\s*(?::\s|=>)|^:\w+\s*=>|^\{/.test(e)) return 'literal'; // a hash of conditions
  if (REQUEST.test(e.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) return 'request';
  const doc = heredoc(file, line, e);
  if (doc && /^<</.test(e)) return doc.quoted ? 'literal' : fromParts(interpolations(doc.body));
  if (e.startsWith('[')) return rubyTaint(file, line, splitArgs(callArgs(e, 0))[0] ?? '', depth);
  const pieces = splitArgs(e, '+');
  if (pieces.length > 1) {
    if (!pieces.some((p) => /^["'%]/.test(p))) return 'unknown';
    const ts = pieces.map((p) =>
      /^["'%]/.test(p) ? rubyTaint(file, line, p, depth) : SAFE_PART.test(p) ? 'literal' : rubyTaint(file, line, p, depth),
    );
    if (ts.includes('request')) return 'request';
    return ts.every((t) => t === 'literal') ? 'literal' : 'dynamic';
  }
  if (/^(?:"|`|%[QxW]?[({[|])/.test(e)) {
    const end = e.startsWith('"') ? stringEnd(e, 0) : e.length;
    const rest = e.slice(end).trim();
    if (/^%\s*[[\w(]|^\.%\(|^\.format\(/.test(rest)) return 'dynamic'; // "…%s" % [x]
    return fromParts(interpolations(e.slice(0, end)).map((p) => (IDENT.test(p.trim()) && depth < 2 ? resolved(file, line, p.trim()) : p)));
  }
  if (/^(?:format|sprintf)\(/.test(e)) return 'dynamic';
  if (IDENT.test(e) && depth < 2) {
    const defs = definitions(file, line, e);
    if (defs.length === 0) return 'unknown';
    const ts = defs.map((d) => rubyTaint(file, d.line, d.rhs, depth + 1));
    if (ts.includes('request')) return 'request';
    if (ts.includes('dynamic')) return 'dynamic';
    return ts.every((t) => t === 'literal') ? 'literal' : 'unknown';
  }
  return 'unknown';
}

/** An interpolated local replaced by what it was assigned from, so `x = params[:x]` … `"#{x}"` is request data. */
function resolved(file: SourceFile, line: number, name: string): string {
  const rhs = definitions(file, line, name).map((d) => d.rhs);
  return rhs.some((r) => REQUEST.test(r)) ? 'params' : name;
}

/** `name = …`, `name += …`, `name << …` above `line`, nearest first, up to the plain assignment. */
export function definitions(file: SourceFile, line: number, name: string): { line: number; rhs: string }[] {
  const re = regexFor(`^\\s*${name}\\s*(\\+=|<<|=)(?![=~>])\\s*(.*)$`);
  const out: { line: number; rhs: string }[] = [];
  for (let l = line - 1; l >= line - 40 && l > 0; l--) {
    const m = re.exec(file.lines.get(l) ?? '');
    if (!m) continue;
    out.push({ line: l, rhs: m[2] as string });
    if (m[1] === '=') break;
  }
  return out;
}

/** Calls of the methods in `re` (`name(` or `name "…"` without parens) with their arguments. */
export function* calls(file: SourceFile, re: RegExp): Generator<{ m: RegExpExecArray; args: string[]; at: Match }> {
  for (const hit of capPerLine(matchSegments(file, re))) {
    const lineText = file.lines.get(hit.line) ?? '';
    if (isCommentLine('ruby', lineText) || inStringAt(lineText, hit.column - 1 + (/^\W*/.exec(hit.match[0])?.[0].length ?? 0))) continue;
    const paren = hit.match[0].endsWith('(');
    const start = hit.match.index + hit.match[0].length;
    let text: string;
    if (paren) text = callArgs(hit.match.input, start - 1);
    else {
      const nl = hit.match.input.indexOf('\n', start);
      text = hit.match.input
        .slice(start, Math.min(nl < 0 ? hit.match.input.length : nl, start + 2000))
        .replace(/\s+(?:if|unless|do|rescue)\b.*$|\s*\{\s*\|.*$/, '');
    }
    const endLine = hit.line + (hit.match[0] + text).split('\n').length - 1;
    yield { m: hit.match, args: splitArgs(text), at: { line: hit.line, endLine, column: hit.column } };
  }
}

/** The severity for a taint: `request` for request data, `other` for other data, null when it is not data. */
export const level = (t: Taint, request: Severity, other: Severity): Severity | null =>
  t === 'request' ? request : t === 'dynamic' ? other : null;
export const rule = (meta: Omit<Rule, 'class' | 'languages'>): Rule => ({ class: 'dangerous-code', languages: ['ruby'], ...meta });
export const OPTIONS = /^(?:[a-z_]\w*:\s|:\w+\s*=>|\*\*)/;
