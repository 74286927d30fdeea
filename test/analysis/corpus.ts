/**
 * The labelled corpus (test/fixtures/intelligence/code/*.json) and how it is scored. A case is a
 * file change: `added` lines (with optional unchanged `before`/`after` context) or a raw unified
 * `diff`, and the findings it must produce: `{ rule, line }`, where `line` counts from the first
 * added line (or, for a raw diff, is the new-file line). A case expecting nothing is a look-alike
 * negative. Scoring is per class, counting (line, class) pairs: a finding of the right class on an
 * expected line is a true positive, any other finding of that class a false positive, an expected
 * line without one a false negative.
 */
import { analyzeDiff } from '../../src/analysis/engine';
import { ruleById } from '../../src/analysis/rules';
import type { AnalysisOptions, AnalysisResult, FindingClass } from '../../src/analysis/types';

export interface CodeCase {
  name: string;
  path: string;
  before?: string;
  added?: string;
  after?: string;
  diff?: string;
  expect: { rule: string; line: number }[];
}

export interface Corpus {
  cases: CodeCase[];
}

const linesOf = (text: string | undefined) => (text === undefined || text === '' ? [] : text.replace(/\n$/, '').split('\n'));

/** The case as a git-style unified diff. */
export function caseDiff(c: CodeCase): string {
  if (c.diff !== undefined) return c.diff;
  const before = linesOf(c.before);
  const added = linesOf(c.added);
  const after = linesOf(c.after);
  const isNew = before.length === 0 && after.length === 0;
  const oldCount = before.length + after.length;
  const newCount = before.length + added.length + after.length;
  return [
    `diff --git a/${c.path} b/${c.path}`,
    isNew ? '--- /dev/null' : `--- a/${c.path}`,
    `+++ b/${c.path}`,
    `@@ -${oldCount === 0 ? 0 : 1},${oldCount} +1,${newCount} @@`,
    ...before.map((l) => ` ${l}`),
    ...added.map((l) => `+${l}`),
    ...after.map((l) => ` ${l}`),
    '',
  ].join('\n');
}

/** Expected findings as new-file lines. */
export function expectedLines(c: CodeCase): { rule: string; line: number; class: FindingClass }[] {
  const offset = c.diff === undefined ? linesOf(c.before).length : 0;
  return c.expect.map((e) => {
    const rule = ruleById(e.rule);
    if (!rule) throw new Error(`case "${c.name}" expects unknown rule ${e.rule}`);
    return { rule: e.rule, line: e.line + offset, class: rule.class };
  });
}

export function runCase(c: CodeCase, options: AnalysisOptions = {}): AnalysisResult {
  return analyzeDiff(caseDiff(c), options);
}

export interface Score {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  /** One line per miss or false alarm, for the failure message. */
  errors: string[];
}

/** Precision and recall of `klass` over the cases. */
export function score(cases: readonly CodeCase[], klass: FindingClass): Score {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const errors: string[] = [];
  for (const c of cases) {
    const expected = new Set(
      expectedLines(c)
        .filter((e) => e.class === klass)
        .map((e) => e.line),
    );
    const found = new Map<number, string>();
    for (const f of runCase(c).findings) if (f.class === klass && !found.has(f.line)) found.set(f.line, f.ruleId);
    for (const [line, rule] of found) {
      if (expected.has(line)) tp++;
      else {
        fp++;
        errors.push(`false positive: "${c.name}" ${rule} at line ${line}`);
      }
    }
    for (const line of expected)
      if (!found.has(line)) {
        fn++;
        errors.push(`missed: "${c.name}" line ${line}`);
      }
  }
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  return { tp, fp, fn, precision, recall, errors };
}
