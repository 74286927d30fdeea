/**
 * GitHub Actions workflow rules and complexity hot spots, measured on their labelled corpora
 * (test/fixtures/intelligence/code/workflows.json and complexity.json): precision and recall
 * floors, every rule with positives and a documented example that triggers it, inline
 * suppression, and the behaviours a reviewer would ask about (the trigger must be visible, the old
 * side of a hunk decides whether nesting grew, data tables are not long functions).
 */
import { describe, expect, it } from 'vitest';
import { analyzeDiff } from '../../src/analysis/engine';
import { COMPLEXITY_RULES } from '../../src/analysis/rules/complexity';
import { WORKFLOW_RULES } from '../../src/analysis/rules/workflows';
import complexity from '../fixtures/intelligence/code/complexity.json';
import workflows from '../fixtures/intelligence/code/workflows.json';
import { type CodeCase, caseDiff, runCase, score } from './corpus';

const workflowCases = workflows.cases as CodeCase[];
const complexityCases = complexity.cases as CodeCase[];
const ruleIds = (c: CodeCase) => runCase(c).findings.map((f) => `${f.ruleId}:${f.line}`);

describe('workflow rules on the corpus', () => {
  it('meet precision >= 0.90 and recall >= 0.80', () => {
    expect(workflowCases.length).toBeGreaterThanOrEqual(30);
    const s = score(workflowCases, 'workflows');
    expect(s.errors, s.errors.join('\n')).toEqual([]);
    expect(s.precision).toBeGreaterThanOrEqual(0.9);
    expect(s.recall).toBeGreaterThanOrEqual(0.8);
  });

  it('raise nothing of another class on the workflow corpus', () => {
    const other = workflowCases.flatMap((c) =>
      runCase(c)
        .findings.filter((f) => f.class !== 'workflows')
        .map((f) => `${c.name}: ${f.ruleId}`),
    );
    expect(other).toEqual([]);
  });

  it.each(WORKFLOW_RULES.map((r) => [r.id, r] as const))('%s has positives and an example that triggers it', (id, rule) => {
    expect(workflowCases.filter((c) => c.expect.some((e) => e.rule === id)).length, `${id} positives`).toBeGreaterThanOrEqual(2);
    expect(rule.class).toBe('workflows');
    const c: CodeCase = { name: id, path: '.github/workflows/ci.yml', added: `${rule.example ?? ''}\n`, expect: [] };
    expect(analyzeDiff(caseDiff(c)).findings.map((f) => f.ruleId)).toContain(id);
  });

  it('flags an untrusted checkout only when the privileged trigger is visible', () => {
    const step = '      - uses: actions/checkout@v4\n        with:\n';
    const ref = `          ref: \${{ github.event.pull_request.head.sha }}\n`;
    const head = 'jobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n';
    const privileged = {
      name: 'target',
      path: '.github/workflows/p.yml',
      before: `on: pull_request_target\n${head}${step}`,
      added: ref,
      expect: [],
    };
    expect(ruleIds(privileged)).toEqual(['gha.pr-target-checkout:8']);
    expect(ruleIds({ ...privileged, before: `on: pull_request\n${head}${step}` })).toEqual([]);
    expect(ruleIds({ ...privileged, before: `${head}${step}` })).toEqual([]);
  });

  it('treats the env-variable form (the fix hint) as safe and the direct expansion as injection', () => {
    const base = 'on: issues\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n';
    const unsafe: CodeCase = {
      name: 'unsafe',
      path: '.github/workflows/t.yml',
      added: `${base}      - run: echo "\${{ github.event.issue.title }}"\n`,
      expect: [],
    };
    const safe: CodeCase = {
      name: 'safe',
      path: '.github/workflows/t.yml',
      added: `${base}      - env:\n          TITLE: \${{ github.event.issue.title }}\n        run: echo "$TITLE"\n`,
      expect: [],
    };
    expect(ruleIds(unsafe)).toEqual(['gha.script-injection:6']);
    expect(runCase(unsafe).findings[0]?.severity).toBe('high');
    expect(ruleIds(safe)).toEqual([]);
  });

  it('rates workflow inputs in a script medium, not high', () => {
    const c: CodeCase = {
      name: 'input',
      path: 'action.yml',
      added: `runs:\n  using: composite\n  steps:\n    - run: ./x.sh \${{ inputs.name }}\n      shell: bash\n`,
      expect: [],
    };
    expect(runCase(c).findings.map((f) => [f.ruleId, f.severity])).toEqual([['gha.script-injection', 'medium']]);
  });

  it('is silenced by an inline comment', () => {
    const c: CodeCase = {
      name: 'pinned',
      path: '.github/workflows/x.yml',
      before: 'jobs:\n  x:\n    steps:\n',
      added: '      - uses: some-org/tool@v2\n',
      expect: [],
    };
    expect(ruleIds(c)).toEqual(['gha.unpinned-action:4']);
    expect(
      ruleIds({ ...c, added: '      - uses: some-org/tool@v2 # chittyconnect-ignore gha.unpinned-action -- internal mirror\n' }),
    ).toEqual([]);
    expect(
      ruleIds({ ...c, added: '      # chittyconnect-ignore-next-line gha.unpinned-action\n      - uses: some-org/tool@v2\n' }),
    ).toEqual([]);
  });
});

describe('complexity rules on the corpus', () => {
  it('meet precision >= 0.80 and recall >= 0.80', () => {
    expect(complexityCases.length).toBeGreaterThanOrEqual(20);
    const s = score(complexityCases, 'complexity');
    expect(s.errors, s.errors.join('\n')).toEqual([]);
    expect(s.precision).toBeGreaterThanOrEqual(0.8);
    expect(s.recall).toBeGreaterThanOrEqual(0.8);
  });

  it.each(COMPLEXITY_RULES.map((r) => [r.id] as const))('%s has at least two positives and two negatives', (id) => {
    expect(complexityCases.filter((c) => c.expect.some((e) => e.rule === id)).length).toBeGreaterThanOrEqual(2);
    expect(complexityCases.filter((c) => c.expect.length === 0).length).toBeGreaterThanOrEqual(4);
  });

  it('complexity.deep-nesting flags its documented example at the fifth nested block', () => {
    const rule = COMPLEXITY_RULES.find((r) => r.id === 'complexity.deep-nesting');
    const example = rule?.example ?? '';
    const fifth = example.split('\n').findIndex((l) => l.includes('fifth level')) + 1;
    expect(fifth).toBeGreaterThan(0);
    expect(ruleIds({ name: 'example', path: 'src/sync.js', added: `${example}\n`, expect: [] })).toEqual([
      `complexity.deep-nesting:${fifth}`,
    ]);
  });

  it('complexity.long-function flags its documented example (a new 102-line function), and not a table of the same size', () => {
    const example = COMPLEXITY_RULES.find((r) => r.id === 'complexity.long-function')?.example ?? '';
    expect(example.split('\n').length).toBeGreaterThanOrEqual(100);
    expect(ruleIds({ name: 'long', path: 'src/fulfil.js', added: `${example}\n`, expect: [] })).toEqual(['complexity.long-function:1']);
    const entries = Array.from({ length: 110 }, (_, i) => `    code${i}: 'message ${i}',`).join('\n');
    const table = `export function messages() {\n  return {\n${entries}\n  };\n}\n`;
    expect(ruleIds({ name: 'table', path: 'src/messages.js', added: table, expect: [] })).toEqual([]);
  });

  it('reports nesting only where it grew: an edit inside code that was already that deep is not reported', () => {
    const head = ['function f(a) {', '  for (const x of a) {', '    if (x.p) {', '      while (x.q) {', '        if (x.r) {'];
    const tail = ['        }', '      }', '    }', '  }', '}'];
    const diffOf = (context: string[], removed: string[], added: string[], after: string[]) =>
      [
        'diff --git a/src/a.js b/src/a.js',
        '--- a/src/a.js',
        '+++ b/src/a.js',
        `@@ -1,${context.length + removed.length + after.length} +1,${context.length + added.length + after.length} @@`,
        ...context.map((l) => ` ${l}`),
        ...removed.map((l) => `-${l}`),
        ...added.map((l) => `+${l}`),
        ...after.map((l) => ` ${l}`),
        '',
      ].join('\n');
    const grown = diffOf(head, ['          x.r = false;'], ['          if (x.s) {', '            x.r = false;', '          }'], tail);
    expect(ruleIds({ name: 'grown', path: 'src/a.js', diff: grown, expect: [] })).toEqual(['complexity.deep-nesting:6']);
    const edited = diffOf(
      [...head, '          if (x.s) {'],
      ['            x.r = false;'],
      ['            x.r = true;'],
      ['          }', ...tail],
    );
    expect(ruleIds({ name: 'edited', path: 'src/a.js', diff: edited, expect: [] })).toEqual([]);
  });

  it('raise nothing of another class on the complexity corpus', () => {
    const other = complexityCases.flatMap((c) =>
      runCase(c)
        .findings.filter((f) => f.class !== 'complexity')
        .map((f) => `${c.name}: ${f.ruleId}`),
    );
    expect(other).toEqual([]);
  });
});
