/**
 * Code structure without a parser, for the complexity rules: formatters make indentation reliable
 * in every language here, so a line's enclosing blocks are the shallower lines above it. Each line
 * is classified (control block, function boundary, other); a stack over each run of consecutive
 * known lines gives its nesting, and a function's extent runs from its signature (or the hunk
 * heading git puts after the second @@) to the first line back at the signature's indentation.
 */
import type { Hunk, Language, SourceFile } from '../types';
import { isCommentLine } from './util';

type Kind = 'control' | 'fn' | 'open' | 'other';
interface Entry {
  indent: number;
  kind: Kind;
  line: number;
}
/** Depth (control blocks since the innermost function, a control line's own included) and that function's line; fn null when not shown. */
export interface Depth {
  depth: number;
  fn: number | null;
}

const measure = (text: string) => {
  let n = 0;
  for (const ch of text) {
    if (ch === ' ') n++;
    else if (ch === '\t') n += 4;
    else break;
  }
  return n;
};

const CONTROL: Record<string, RegExp> = {
  brace: /^(?:\}\s*)?(?:if|else|for|while|do|switch|try|catch|finally|synchronized|select)\b/,
  python: /^(?:(?:if|elif|else|for|while|try|except|finally|with|async\s+(?:for|with))\b|match\b.*:\s*(?:#.*)?$)/,
  ruby: /^(?:if|unless|while|until|for|case|begin|else|elsif|rescue|ensure)\b|(?:=|<<|\|\|=)\s*(?:if|case|begin)\b/,
};
/** Keywords that continue the block above at the same indentation (`else:`, Go's `case`, Ruby's `when`). */
const CONTINUES = /^(?:else|elif|elsif|except|finally|rescue|ensure)\b/;
const CASE_LABEL = /^(?:case\b.*|default\s*):\s*(?:\/\/.*)?$/;

const FN: Record<Language, RegExp | null> = {
  javascript:
    /\bfunction\b[^;]*\{\s*$|=>\s*[{(]?\s*$|^(?:(?:export|default|public|private|protected|static|async|readonly|override|abstract|get|set|\*)\s+)*[#\w$]+\s*(?:<[^>]*>)?\s*\([^()]*\)\s*(?::\s*[^{;=]+)?\{\s*$|^(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\b/,
  typescript: null,
  go: /^func\b|\bfunc\s*\(.*\{\s*$/,
  java: /->\s*\{\s*$|^(?:@\w+\s+)*(?:(?:public|protected|private|static|final|synchronized|abstract|native|default)\s+)*(?:<[^>]+>\s+)?[\w.$<>[\]?]+(?:<[^>]*>)?\s+[\w$]+\s*\([^;]*\)\s*(?:throws\s+[\w.$, ]+)?\{\s*$|^(?:(?:public|protected|private)\s+)[\w$]+\s*\([^;]*\)\s*(?:throws\s+[\w.$, ]+)?\{\s*$|\b(?:class|interface|enum|record)\s+\w+|\bnew\s+[\w.<>]+\s*\([^;]*\)\s*\{\s*$/,
  python: /^(?:async\s+)?def\s|^class\s/,
  ruby: /^def\s|^(?:class|module)\s/,
  workflow: null,
  yaml: null,
  shell: null,
};
FN.typescript = FN.javascript;

const styleOf = (lang: Language) => (lang === 'python' ? 'python' : lang === 'ruby' ? 'ruby' : 'brace');

/** A cheap test before the function regexes: every signature they match ends in `{`/`(`/`:`/`=>` or starts with a keyword. */
const mayBeFn = (t: string) => {
  const last = t.at(-1);
  return (
    last === '{' ||
    last === '(' ||
    last === ':' ||
    t.endsWith('=>') ||
    /^(?:def|func|class|module|export|async|public|private|protected)\b|\b(?:class|interface|enum|record)\b/.test(t)
  );
};

function classify(t: string, lang: Language): Kind {
  if (t.length > 400) return 'other';
  if (CONTROL[styleOf(lang)]?.test(t) && !CASE_LABEL.test(t)) return 'control';
  if (mayBeFn(t) && FN[lang]?.test(t) && !/^(?:return|new|throw|else)\b/.test(t)) return 'fn';
  if (t.endsWith('(') && /^[#\w$.]+\s*\($/.test(t)) return 'open'; // `name(` … `) {` is a method with its parameters on their own lines
  return 'other';
}

const CLOSER = /^(?:[}\])]|end\b)/;

/** Git cuts a hunk heading at 80 characters, so a long signature may lack its `{`: a looser test there. */
const HEADING_FN =
  /^(?:export\s+)?(?:default\s+)?(?:async\s+)?function\b|^(?:export\s+)?(?:const|let|var)\s+[\w$]+\s*=\s*(?:async\s*)?(?:function\b|\(|[\w$]+\s*=>)|^(?:(?:public|protected|private|static|final|synchronized)\s+)+[\w.<>[\], ?]*\(/;
const headingIsFn = (heading: string, lang: Language) => classify(heading.trim(), lang) === 'fn' || HEADING_FN.test(heading.trim());

/** Where a hunk starts inside a function the diff does not show: its body's indentation and the indentation step. */
interface Seed {
  base: number;
  unit: number;
}
/** The rest of a multi-line expression (a comprehension's `for`/`if` has no colon), not a statement. */
const CONTINUATION = /^(?:[)\]}.,+\-*/%&|=<>]|(?:and|or|not|in)\b|(?:if|for|else)\b(?!.*:\s*(?:#.*)?$))/;

/**
 * In Python (and Go outside tests) every indented block a statement sits in is a control block
 * (or a def/closure, which the heading tells), so a hunk's first line tells how deep it already is
 * even when the blocks above it are outside the diff. JS callbacks, Ruby blocks and Java lambdas
 * indent just as much without being control flow, so there the unseen part counts nothing.
 */
function seedOf(run: Run, lang: Language, isTest: boolean): Seed | null {
  const h = run.heading.trim();
  if (lang === 'python') {
    const method = /^(?:async\s+)?def\s+\w+\s*\(\s*(?:self|cls)\b/.test(h) || /^class\s/.test(h);
    if (!method && !/^(?:async\s+)?def\s/.test(h)) return null;
    const unit = run.texts.some((t) => t.trimEnd().endsWith(':') && measure(t) % 4 === 2) ? 2 : 4;
    return { base: method ? 2 * unit : unit, unit };
  }
  if (lang === 'go' && !isTest && /^func\b/.test(h)) return { base: 4, unit: 4 };
  return null;
}

/** Nesting of each line of one contiguous run of lines (`texts[i]` is line `start + i`). */
function depthsOf(
  start: number,
  texts: readonly string[],
  lang: Language,
  out: Map<number, Depth>,
  heading: boolean,
  seed: Seed | null,
): void {
  const stack: Entry[] = heading ? [{ indent: -1, kind: 'fn', line: start - 1 }] : [];
  let seeding = seed !== null;
  /** A control line sits at its own block's level (ESLint's max-depth counts the 5th nested block). */
  const known = (own: number): Depth => {
    let depth = own;
    for (let i = stack.length - 1; i >= 0; i--) {
      const e = stack[i] as Entry;
      if (e.kind === 'fn') return { depth, fn: e.line };
      if (e.kind === 'control') depth++;
    }
    return { depth, fn: null };
  };
  const popTo = (indent: number, inclusive: boolean) => {
    while (stack.length && ((stack.at(-1) as Entry).indent > indent || (inclusive && (stack.at(-1) as Entry).indent === indent)))
      stack.pop();
  };
  const style = styleOf(lang);
  texts.forEach((text, i) => {
    const t = text.trim();
    if (t === '' || isCommentLine(lang, text)) return;
    const line = start + i;
    const indent = measure(text);
    if (seeding && seed) {
      seeding = false;
      // The blocks between the function's body and this first line are not shown: one per indentation step.
      if (indent > seed.base && (indent - seed.base) % seed.unit === 0 && !CONTINUATION.test(t))
        for (let x = seed.base; x < indent; x += seed.unit) stack.push({ indent: x, kind: 'control', line: -1 });
    }
    if (CASE_LABEL.test(t) || (style === 'ruby' && /^(?:when|in)\b/.test(t))) {
      popTo(indent, false);
      const top = stack.at(-1);
      if (top?.indent !== indent) stack.push({ indent, kind: 'other', line }); // Go/Ruby: `case` beside `switch` continues it
      return;
    }
    if (style === 'brace' ? /^\}\s*(?:else|catch|finally)\b/.test(t) : CONTINUES.test(t)) {
      popTo(indent, true);
      out.set(line, known(1));
      stack.push({ indent, kind: 'control', line });
      return;
    }
    if (CLOSER.test(t)) {
      if (/(?:[{:(]|=>|->)\s*$/.test(t) && !/^end\b/.test(t)) {
        popTo(indent, false); // `) {` ends a multi-line head: its opener, at this indentation, goes on
        const top = stack.at(-1);
        if (top && top.indent === indent && (/=>|->/.test(t) || (top.kind === 'open' && t.endsWith('{')))) top.kind = 'fn';
      } else popTo(indent, true);
      return;
    }
    popTo(indent, true);
    const kind = classify(t, lang);
    out.set(line, known(kind === 'control' ? 1 : 0));
    stack.push({ indent, kind, line });
  });
}

/** Runs of consecutive known lines on one side of the hunks. */
interface Run {
  start: number;
  texts: string[];
  heading: string;
  /** Added lines in the run (new side). */
  adds: number;
  /** Some added line is indented enough to sit five blocks deep (two spaces a level, a function's body). */
  deepAdd: boolean;
}

/** Runs of consecutive known lines on one side of the hunks. */
function runsOf(hunks: readonly Hunk[], side: 'old' | 'new'): Run[] {
  const runs: Run[] = [];
  for (const h of hunks)
    for (const l of h.lines) {
      const n = side === 'new' ? l.newLine : l.oldLine;
      if (n === undefined) continue;
      let last = runs.at(-1);
      if (last && last.start + last.texts.length === n) last.texts.push(l.text);
      else {
        last = { start: n, texts: [l.text], heading: h.heading, adds: 0, deepAdd: false };
        runs.push(last);
      }
      if (l.kind === 'add') {
        last.adds++;
        if (!last.deepAdd && measure(l.text) >= 10) last.deepAdd = true;
      }
    }
  return runs;
}

/** Depths of the lines of each run (`only` picks the runs worth the work). */
export function sideDepths(
  file: SourceFile,
  side: 'old' | 'new',
  lang: Language,
  only: (r: Run) => boolean = () => true,
): Map<number, Depth> {
  const out = new Map<number, Depth>();
  for (const r of runsOf(file.hunks, side)) {
    if (!only(r)) continue;
    const heading = r.start > 1 && headingIsFn(r.heading, lang);
    depthsOf(r.start, r.texts, lang, out, heading, r.start > 1 ? seedOf(r, lang, file.isTest) : null);
  }
  return out;
}

export const CONTAINER = /\b(?:class|interface|module|enum|record|struct|namespace)\b/;

export interface FnSpan {
  sig: number;
  start: number;
  end: number;
  name: string;
}

/** Functions as far as the diff shows them: from a signature (or a hunk heading naming one) to their end. */
interface OpenSpan {
  span: FnSpan;
  heading: string;
}

export function functionsOf(file: SourceFile, lang: Language, minAdds: number): FnSpan[] {
  const spans: FnSpan[] = [];
  /** The heading function of the previous run, when that run ended still inside it: a later hunk under the same heading continues it. */
  let open: OpenSpan | null = null;
  for (const r of runsOf(file.hunks, 'new')) {
    const heading = r.start > 1 && headingIsFn(r.heading, lang) && !CONTAINER.test(r.heading) ? r.heading.trim() : '';
    if (!heading && r.adds < minAdds) {
      open = null;
      continue; // too few added lines here for a new or much longer function
    }
    const fnAt: { i: number; indent: number; name: string }[] = heading ? [{ i: -1, indent: -1, name: heading }] : [];
    r.texts.forEach((text, i) => {
      const t = text.trim();
      if (t && !isCommentLine(lang, text) && classify(t, lang) === 'fn') fnAt.push({ i, indent: measure(text), name: t });
    });
    const previous = open as OpenSpan | null; // (TS narrows `open` to null across the loop)
    open = null;
    for (const f of fnAt) {
      const end = endOf(r.texts, f, lang);
      if (f.i < 0 && previous?.heading === heading) {
        previous.span.end = r.start + end; // the same function, further down
        if (end === r.texts.length - 1) open = previous;
        continue;
      }
      const span = { sig: r.start + f.i, start: r.start + Math.max(0, f.i), end: r.start + end, name: f.name.slice(0, 60) };
      spans.push(span);
      if (f.i < 0 && end === r.texts.length - 1) open = { span, heading };
    }
  }
  return spans;
}

/** Index in `texts` of the last line of the function whose signature is at `f.i` (-1: the hunk heading's). */
function endOf(texts: readonly string[], f: { i: number; indent: number }, lang: Language): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = f.i + 1; i < texts.length; i++) {
    const text = texts[i] as string;
    const t = text.trim();
    if (t === '' || isCommentLine(lang, text)) continue;
    const indent = measure(text);
    const ends =
      f.indent >= 0
        ? indent <= f.indent
        : indent === 0 || (indent <= min && classify(t, lang) === 'fn') || (indent < min && t.startsWith('@'));
    min = Math.min(min, indent);
    if (!ends) continue;
    const pure = /^(?:[}\])]+[;,)]*|end)$/.test(t);
    if (CLOSER.test(t) && !pure && f.indent >= 0) continue; // `) {`: the rest of a multi-line signature
    let end = pure ? i : i - 1;
    while (end > f.i && (texts[end] as string).trim() === '') end--;
    return end;
  }
  return texts.length - 1;
}
