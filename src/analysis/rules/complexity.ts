/**
 * Complexity hot spots: code whose nesting or size grows sharply in this change. Without a parser,
 * structure comes from indentation (formatters make it reliable in every language here): a line's
 * enclosing blocks are the shallower lines above it. Control blocks (if/for/while/switch/try…)
 * count towards nesting, function boundaries reset it (as ESLint's max-depth and pylint's
 * too-many-nested-blocks do), and data literals, JSX and flat `case` tables count for nothing, so
 * a big config object or lookup switch is never a "hot spot". The old side of the hunks (removed
 * and context lines) says how deep the code was at the same place before.
 */
import type { Language, Rule } from '../types';
import { CONTAINER, type FnSpan, functionsOf, sideDepths } from './complexity-structure';
import { isCommentLine } from './util';

const LANGS: readonly Language[] = ['javascript', 'typescript', 'python', 'go', 'java', 'ruby'];

const MIN_DEPTH = 5;

const deepNesting: Rule = {
  id: 'complexity.deep-nesting',
  class: 'complexity',
  severity: 'low',
  title: 'Deeply nested code',
  message: 'This change nests control flow five or more levels deep inside one function; code this deep is hard to read and test.',
  fix: 'Return early for the simple cases (guard clauses), move inner blocks into well-named functions, or replace nested conditions with a lookup table.',
  example: [
    'function sync(items) {',
    '  for (const item of items) {',
    '    if (item.active) {',
    '      for (const tag of item.tags) {',
    '        if (tag.name) {',
    '          if (tag.changed) save(tag); // fifth level',
    '        }',
    '      }',
    '    }',
    '  }',
    '}',
  ].join('\n'),
  languages: LANGS,
  *check(file) {
    const lang = file.language as Language;
    const now = sideDepths(file, 'new', lang, (r) => r.deepAdd);
    let deep = false;
    for (const n of file.added) if ((now.get(n)?.depth ?? 0) >= MIN_DEPTH) deep = true;
    if (!deep) return; // the old side is read only where the new side is deep
    const before = sideDepths(file, 'old', lang);
    const reported = new Set<string>();
    for (const [hi, h] of file.hunks.entries()) {
      for (let i = 0; i < h.lines.length; ) {
        if (h.lines[i]?.kind === 'ctx') {
          i++;
          continue;
        }
        let j = i;
        while (j < h.lines.length && h.lines[j]?.kind !== 'ctx') j++;
        // The change block h.lines[i..j) and the context line either side: how deep the code was there.
        let old = 0;
        for (let k = Math.max(0, i - 1); k < Math.min(h.lines.length, j + 1); k++) {
          const l = h.lines[k];
          if (l?.oldLine !== undefined) old = Math.max(old, before.get(l.oldLine)?.depth ?? 0);
        }
        const threshold = Math.max(MIN_DEPTH, old + 1);
        let first: { line: number; fn: number | null } | null = null;
        let deepest = 0;
        for (let k = i; k < j; k++) {
          const l = h.lines[k];
          const d = l?.kind === 'add' && l.newLine !== undefined ? now.get(l.newLine) : undefined;
          if (!d || d.depth < threshold || !l?.newLine) continue;
          first ??= { line: l.newLine, fn: d.fn };
          deepest = Math.max(deepest, d.depth);
        }
        const key = first ? `${first.fn ?? `h${hi}`}` : '';
        if (first && !reported.has(key)) {
          reported.add(key);
          yield {
            line: first.line,
            severity: deepest >= 7 ? 'medium' : 'low',
            message: `Control flow is nested ${MIN_DEPTH}+ levels deep from here (${deepest} at most in this change${old > 0 ? `, ${old} at this place before` : ''}); past ${MIN_DEPTH - 1} levels code is hard to follow and test.`,
          };
        }
        i = j;
      }
    }
  },
};

/** Lines that are data or a flat table, not logic: literal entries, JSX, `case x: return y`. */
const FLAT =
  /^(?:["'`]?[\w$.-]+["'`]?\s*(?::|=>)\s*[^(\s][^(]*|["'`\d[{(-].*,|<\/?[\w.]+.*|\/?>|[\w-]+=(?:["{]).*|case\b.*:.*|default\s*:.*|when\b.*|break;?|[}\])]+[,;)]*)\s*$/;
/** A call with only literal arguments (`map.put("a", 1);`, `register("x", true)`): one row of a table. */
const LITERAL_CALL =
  /^[\w$.]+\s*\((?:\s*(?:[\w]+\s*=\s*)?(?:"[^"]*"|'[^']*'|-?\d[\d.]*|true|false|null|None|True|False|nil|[A-Z]\w*(?:\.[A-Z][A-Z0-9_]*)?)\s*,)*\s*(?:(?:[\w]+\s*=\s*)?(?:"[^"]*"|'[^']*'|-?\d[\d.]*|true|false|null|None|True|False|nil|[A-Z]\w*(?:\.[A-Z][A-Z0-9_]*)?))?\s*\)\s*;?$/;

/**
 * Whether each successive line is part of a multi-line string (SQL, HTML, a template: text, not
 * logic): template literals and Go raw strings (backticks), Python/Java triple quotes, Ruby heredocs.
 */
function stringTracker(lang: Language): (t: string) => boolean {
  let open = false;
  let heredoc = '';
  const fence = lang === 'python' || lang === 'java' ? /"""|'''/g : /(?<!\\)`/g;
  return (t) => {
    if (lang === 'ruby') {
      if (heredoc) {
        if (t === heredoc) heredoc = '';
        return true;
      }
      heredoc = /<<[~-]?['"]?([A-Z_][A-Z0-9_]*)['"]?/.exec(t)?.[1] ?? '';
      return false;
    }
    const was = open;
    const marks = t.includes('`') || t.includes('"""') || t.includes("'''") ? (t.match(fence)?.length ?? 0) : 0;
    if (marks % 2 === 1) open = !open;
    return was || open;
  };
}

/** A changed function this long that grew this much, or a new function this long, is reported. */
const LENGTH = 80;
const MIN_GROWTH = 40;
const NEW_LENGTH = 100;

/**
 * A function that mostly holds named inner functions or a class (a module wrapper, an IIFE, a
 * factory returning methods) is a container, not one long piece of logic: its inner functions are
 * judged on their own. Callbacks passed to calls are part of the function's own logic.
 */
/** A named inner function (a declaration or an assignment), not a callback passed to a call. */
const DEFINITION =
  /^(?:export\s+)?(?:default\s+)?(?:async\s+)?function\b|^(?:export\s+)?(?:const|let|var)\s+[\w$]+\s*(?::[^=]+)?=|^[\w$.]+\s*:?=\s*(?:async\s+)?(?:function\b|func\b)|^(?:async\s+)?def\s|^func\s|^(?:(?:public|private|protected|static|async|get|set)\s+)*[#\w$]+\s*\([^()]*\)\s*(?::[^{]+)?\{$/;

function isWrapper(f: FnSpan, spans: readonly FnSpan[]): boolean {
  let covered = 0;
  let reach = f.sig;
  for (const g of spans) {
    if (g === f || g.sig <= f.sig || g.end > f.end) continue;
    if (CONTAINER.test(g.name)) return true;
    if (g.sig > reach && DEFINITION.test(g.name)) {
      covered += g.end - g.sig + 1;
      reach = g.end;
    }
  }
  return covered > 0.6 * (f.end - f.sig + 1);
}

const longFunction: Rule = {
  id: 'complexity.long-function',
  class: 'complexity',
  severity: 'low',
  title: 'Function grew long',
  message: 'This change makes a function much longer; long functions do many things and are hard to review and test.',
  fix: 'Split the function by step or by concern into smaller named functions, each with one job; keep data tables out of the logic.',
  // A real trigger is 100 lines long: a new function of 100 plain steps.
  example: ['export function fulfil(order) {', ...Array.from({ length: 100 }, (_, i) => `  step${i + 1}(order);`), '}'].join('\n'),
  languages: LANGS,
  *check(file) {
    if (file.isTest || file.added.size < MIN_GROWTH) return; // long tests are usually linear set-up and assertions
    const lang = file.language as Language;
    const removedAt = new Map<number, number>(); // new-side position → removed lines there
    for (const h of file.hunks) {
      let next = h.newStart;
      for (const l of h.lines)
        if (l.newLine !== undefined) next = l.newLine + 1;
        else removedAt.set(next, (removedAt.get(next) ?? 0) + 1);
    }
    const spans = functionsOf(file, lang, MIN_GROWTH);
    for (const f of spans) {
      if (CONTAINER.test(f.name) || isWrapper(f, spans)) continue;
      const length = f.end - f.sig + 1;
      let added = 0;
      let removed = 0;
      let firstAdded = 0;
      for (let n = f.start; n <= f.end; n++) {
        if (file.added.has(n)) {
          added++;
          firstAdded ||= n;
        }
        if (n > f.start) removed += removedAt.get(n) ?? 0;
      }
      const isNew = f.sig >= f.start && file.added.has(f.sig) && added >= 0.9 * length;
      const grew = added - removed;
      if (!(isNew ? length >= NEW_LENGTH : length >= LENGTH && grew >= MIN_GROWTH) || !firstAdded) continue;
      let meaningful = 0;
      let flat = 0;
      let afterCase = false;
      const inString = stringTracker(lang);
      for (let n = f.start; n <= f.end; n++) {
        const text = file.lines.get(n) ?? '';
        const t = text.trim();
        const quoted = inString(t);
        if (t === '' || (!quoted && (isCommentLine(lang, text) || /^[}\])]+[;,)]*$|^end$/.test(t)))) continue;
        meaningful++;
        if (quoted || FLAT.test(t) || (t.length < 200 && LITERAL_CALL.test(t)) || (afterCase && /^(?:return\b[^;]*;?|break;?)$/.test(t)))
          flat++;
        afterCase = /^(?:case\b|default\s*:|when\b)/.test(t);
      }
      if (flat > meaningful / 2) continue; // a data literal, markup or a flat lookup table
      yield {
        line: file.added.has(f.sig) ? f.sig : firstAdded,
        severity: length >= 200 ? 'medium' : 'low',
        message: isNew
          ? `A new function of ${length} lines; past about 100 lines a function is hard to review and test.`
          : `This function is now at least ${length} lines long, ${grew} lines more than before (+${added}/−${removed}); split it before it grows further.`,
      };
    }
  },
};

export const COMPLEXITY_RULES: readonly Rule[] = [deepNesting, longFunction];
