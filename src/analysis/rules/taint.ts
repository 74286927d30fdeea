/**
 * What an argument of a JS/TS or Python call holds, without a parser: a plain literal, a string
 * visibly built from something else (interpolated, concatenated, formatted, or request input), or
 * unknown. A bare name is looked up in the assignments a few lines above (`+=` included), and
 * pieces that cannot carry a value (constants, table names, placeholder lists) do not count.
 */
import type { Severity, SourceFile } from '../types';
import { callArgs, type Dialect, exprAt, skipString, templateEnd } from './call-args';

/** `literal`: a constant string/number; `dynamic`: a string built from non-constants; `unknown`: anything else. */
export type Taint = 'literal' | 'dynamic' | 'unknown';

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
  /^(?:Number|parseInt|parseFloat|Math\.\w+|BigInt|int|float|bool|len|uuid\.UUID)\s*\([^()]*\)$/.test(p) ||
  /['"][\s(),]*(?:\?|%s|\$\d+|:\w+)[\s(),?%s$\d]*['"]|\$\$\{/.test(p);
/** Remote input: a web request or a cloud function's event (not stdin or the command line). */
const REQUEST = /\b(?:req|request|ctx\.request|ctx\.query|ctx\.params|event\.(?:body|queryStringParameters|pathParameters))\s*[.[]/;
/** Places untrusted input comes from (the request, stdin, the command line). */
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
  /** Request input (`req.body…`, `request.args…`) appears in it. */
  fromRequest?: true;
}

/** Whether an expression is a literal, a visibly built string, or unknown. Does not look up names. */
export function classify(expr: string, lang: Dialect): Classified {
  const r = classifyExpr(expr, lang);
  return REQUEST.test(expr) ? { ...r, fromRequest: true } : r;
}

/** `critical` when the value visibly comes from the request (remote code execution from input), else the rule's own. */
export const requestSeverity = (r: Classified): Severity | undefined => (r.fromRequest ? 'critical' : undefined);

function classifyExpr(expr: string, lang: Dialect): Classified {
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
    const rhs = exprAt(joined, 0, lang);
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
  const named = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)(?:\s*(%|\+|\.format\s*\(|\.replace\s*\()([\s\S]*))?$/.exec(e);
  if (named) {
    const r = resolveName(file, named[1] as string, line - 1, lang);
    if (!named[2]) return r ?? (isConstName(e) ? { taint: 'literal', strings: [], pieces: [] } : classify(e, lang));
    const applied = classify(`''${named[2]}${named[3]}`, lang);
    if (r?.strings.length && applied.taint === 'dynamic') return { taint: 'dynamic', strings: r.strings, pieces: applied.pieces };
    if (r?.strings.length && r.taint === 'dynamic') return r;
    // `QUERY % args`, `sql.format(...)` of a string defined out of sight: built, and (by its name) SQL.
    if (!r && named[2] !== '+' && applied.taint === 'dynamic' && /sql|query|stmt|statement/i.test(named[1] as string))
      return { taint: 'dynamic', strings: [], pieces: applied.pieces, sqlByName: true };
  }
  return classify(e, lang);
}
