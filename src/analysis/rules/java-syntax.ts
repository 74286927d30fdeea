/**
 * Just enough Java syntax for the Java rules, without a parser: where a String expression's value
 * comes from (literal, built from data, or unknown), following a variable back through the lines the
 * diff shows (`String sql = …`, `sql += …`, StringBuilder appends), and calls with their arguments.
 * Constants (UPPER_CASE), numbers (`int id`), constant choices and placeholder lists count as safe.
 */
import type { Match, Rule, SourceFile } from '../types';
import { callArgs, capPerLine, inStringAt, isCommentLine, matchSegments, regexFor, splitArgs } from './util';

export type Taint = 'literal' | 'dynamic' | 'unknown';

export const STRING_LIT = /^(?:"(?:[^"\\\n]|\\.)*"|"""[\s\S]*?"""|'(?:[^'\\]|\\.)')$/;
const CONSTANT = /^(?:[A-Z]\w*\.)*[A-Z][A-Z0-9_]*$|^\d+L?$|^(?:true|false|null)$/;
const SAFE_CALL = /\.(?:length|size|ordinal|hashCode)\(\)$|^(?:Integer|Long|Math)\.\w+\(|^String\.valueOf\(\s*\d|\.getSimpleName\(\)$/;
export const IDENT = /^[a-z_$][\w$]*$/;
export const REQUEST =
  /getParameter|getHeader|getQueryString|getCookies|getInputStream|getReader|@RequestParam|@PathVariable|@RequestBody|@RequestHeader|@QueryParam|@PathParam|@FormParam|HttpServletRequest|\breq(?:uest)?\./;

/** `String sql = …;`, `sql += …;`: the right-hand sides of a name's assignments above `line`, nearest first. */
export function definitions(file: SourceFile, line: number, name: string): { op: string; rhs: string }[] {
  const re = regexFor(`(?:^|[\\s(;])(?:final\\s+)?(?:[\\w.<>\\[\\]]+\\s+)?${name}\\s*(\\+?=)(?!=)\\s*(.*)$`);
  const out: { op: string; rhs: string }[] = [];
  for (let l = line - 1; l >= line - 40 && l > 0; l--) {
    const text = file.lines.get(l);
    const m = text?.includes(name) ? re.exec(text) : null;
    if (!m) continue;
    let rhs = m[2] as string;
    for (let k = l + 1; k < l + 12 && !rhs.includes(';'); k++) rhs += `\n${file.lines.get(k) ?? ''}`;
    const semi = rhs.indexOf(';');
    out.push({ op: m[1] as string, rhs: semi >= 0 ? rhs.slice(0, semi) : rhs });
    if (m[1] === '=') break;
  }
  return out;
}

/** A name declared as a number, boolean or UUID nearby (parameters included). */
export function numeric(file: SourceFile, line: number, name: string): boolean {
  const re = regexFor(`\\b(?:int|long|short|byte|double|float|boolean|Integer|Long|Short|Double|Boolean|UUID)\\s+${name}\\b`);
  for (let l = line; l >= line - 60 && l > 0; l--)
    if (file.lines.get(l)?.includes(name) && re.test(file.lines.get(l) as string)) return true;
  return false;
}

/** Where a String expression's value comes from. */
export function javaTaint(file: SourceFile, line: number, expr: string, depth = 0): Taint {
  const e = expr.trim();
  if (e === '' || STRING_LIT.test(e) || CONSTANT.test(e)) return 'literal';
  const format = /^(?:String\.format|MessageFormat\.format)\(/.exec(e) ?? /^("(?:[^"\\\n]|\\.)*"|"""[\s\S]*?""")\s*\.formatted\(/.exec(e);
  if (format) {
    const args = splitArgs(callArgs(e, format[0].length - 1));
    const rest = format[0].includes('formatted') ? args : args.slice(1);
    return rest.every((a) => operand(file, line, a, depth) === 'literal') ? 'literal' : 'dynamic';
  }
  const builder = /^([a-z_$][\w$]*)\.toString\(\)$/.exec(e);
  if (builder) return appended(file, line, builder[1] as string);
  const pieces = splitArgs(e, '+');
  if (pieces.length > 1) {
    if (!pieces.some((p) => STRING_LIT.test(p))) return 'unknown';
    return pieces.every((p) => operand(file, line, p, depth) === 'literal') ? 'literal' : 'dynamic';
  }
  if (IDENT.test(e) && depth < 2) {
    if (numeric(file, line, e)) return 'literal';
    const defs = definitions(file, line, e);
    if (defs.length === 0) return 'unknown';
    const taints = defs.map((d) => javaTaint(file, line, d.rhs, depth + 1));
    if (taints.includes('dynamic')) return 'dynamic';
    return taints.every((t) => t === 'literal') ? 'literal' : 'unknown';
  }
  return 'unknown';
}

/** `cond ? " AND b = ?" : ""`: a choice between constants. */
const CONST_CHOICE = /^[^?"]+\?\s*("(?:[^"\\\n]|\\.)*"|[A-Z][\w.]*)\s*:\s*("(?:[^"\\\n]|\\.)*"|[A-Z][\w.]*)$/;
/** Bind-variable lists (`String.join(",", Collections.nCopies(n, "?"))`), not data. */
const PLACEHOLDERS = /placeholder|qmarks|bindVars|nCopies\(|"\?"|"\?,\s*"/i;

function operand(file: SourceFile, line: number, p: string, depth: number): Taint {
  const e = p.trim().replace(/^\((.*)\)$/s, '$1');
  if (STRING_LIT.test(e) || CONSTANT.test(e) || SAFE_CALL.test(e) || CONST_CHOICE.test(e) || PLACEHOLDERS.test(e)) return 'literal';
  if (IDENT.test(e)) {
    if (numeric(file, line, e)) return 'literal';
    if (depth < 2) {
      const defs = definitions(file, line, e);
      if (defs.length > 0 && defs.every((d) => javaTaint(file, line, d.rhs, depth + 1) === 'literal')) return 'literal';
    }
  }
  return 'dynamic';
}

/** A StringBuilder: dynamic when something not constant was appended to it. */
function appended(file: SourceFile, line: number, name: string): Taint {
  const re = regexFor(`\\b${name}\\s*(?:=\\s*new\\s+StringB\\w+\\(|\\.append\\()`);
  let seen = false;
  for (let l = line - 1; l >= line - 40 && l > 0; l--) {
    const text = file.lines.get(l);
    if (text === undefined || !text.includes(name)) continue;
    const m = re.exec(text);
    if (!m) continue;
    seen = true;
    if (!m[0].includes('append')) {
      if (javaTaint(file, l, callArgs(text, m.index + m[0].length - 1), 1) === 'dynamic') return 'dynamic';
      continue;
    }
    // sb.append(" ORDER BY ").append(column): every append of the chain
    for (let i = text.indexOf('.append(', m.index); i >= 0; i = text.indexOf('.append(', i + 8))
      if (operand(file, l, callArgs(text, i + 7), 1) !== 'literal') return 'dynamic';
  }
  return seen ? 'literal' : 'unknown';
}

/** Calls matched by `re` (ending at the `(`) on code lines, with their arguments. */
export function* calls(file: SourceFile, re: RegExp): Generator<{ m: RegExpExecArray; args: string[]; at: Match }> {
  for (const hit of capPerLine(matchSegments(file, re))) {
    const lineText = file.lines.get(hit.line) ?? '';
    if (isCommentLine('java', lineText) || inStringAt(lineText, hit.column - 1)) continue;
    const text = callArgs(hit.match.input, hit.match.index + hit.match[0].length - 1);
    const endLine = hit.line + (hit.match[0] + text).split('\n').length - 1;
    yield { m: hit.match, args: splitArgs(text), at: { line: hit.line, endLine, column: hit.column } };
  }
}

/** A dangerous-code rule for Java. */
export const rule = (meta: Omit<Rule, 'class' | 'languages'>): Rule => ({ class: 'dangerous-code', languages: ['java'], ...meta });

/** The line above that declares `name` as an annotated parameter (`@RequestParam String name`). */
export function paramLine(file: SourceFile, line: number, name: string): string {
  const re = regexFor(`@\\w+(?:\\([^)]*\\))?\\s+(?:final\\s+)?String\\s+${name}\\b`);
  for (let l = line; l >= line - 30 && l > 0; l--) if (re.test(file.lines.get(l) ?? '')) return file.lines.get(l) as string;
  return '';
}

/** The body of the block whose `{` is the first one at or after `from` in `text`; null when a `;` comes first. */
export function body(text: string, from: number): string | null {
  const brace = text.indexOf('{', from);
  const semi = text.indexOf(';', from);
  if (brace < 0 || (semi >= 0 && semi < brace)) return null; // a declaration without a body (interface, abstract)
  return callArgs(text, brace, 1500);
}
