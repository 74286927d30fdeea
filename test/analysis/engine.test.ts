/**
 * The engine's own behaviour, independent of any real rule: diffs are parsed as git and GitHub
 * write them, only added lines are reported, suppression comments and options apply, skipped files
 * say why, fingerprints survive a line moving, SARIF is well formed. A small probe rule stands in
 * for the real ones (it flags lines containing `DANGER`, and `SPAN(` … `)` across lines).
 */
import { describe, expect, it } from 'vitest';
import { parseDiff } from '../../src/analysis/diff';
import { analyzeDiff, analyzePatches } from '../../src/analysis/engine';
import { isTestPath, languageOf } from '../../src/analysis/files';
import { matchSegments } from '../../src/analysis/rules/util';
import { toSarif } from '../../src/analysis/sarif';
import type { Match, Rule, SourceFile } from '../../src/analysis/types';

const probe: Rule = {
  id: 'probe.danger',
  class: 'dangerous-code',
  severity: 'high',
  title: 'Probe',
  message: 'DANGER found',
  fix: 'Remove it.',
  cwe: ['CWE-94'],
  languages: 'any',
  *check(file: SourceFile): Iterable<Match> {
    for (const m of matchSegments(file, /DANGER|SPAN\([^)]*\)/g)) yield { line: m.line, endLine: m.endLine, column: m.column };
  },
};
const lowProbe: Rule = {
  ...probe,
  id: 'probe.low',
  class: 'complexity',
  severity: 'low',
  *check(file) {
    for (const m of matchSegments(file, /LOW/g)) yield { line: m.line, column: m.column };
  },
};
const RULES = [probe, lowProbe];

const gitDiff = (path: string, hunks: string, header = `--- a/${path}\n+++ b/${path}`) =>
  `diff --git a/${path} b/${path}\nindex 1111111..2222222 100644\n${header}\n${hunks}\n`;

describe('unified diffs', () => {
  it('parses files, statuses, renames, binaries and line numbers as git writes them', () => {
    const text = [
      'diff --git a/src/old.ts b/src/new.ts',
      'similarity index 90%',
      'rename from src/old.ts',
      'rename to src/new.ts',
      '--- a/src/old.ts',
      '+++ b/src/new.ts',
      '@@ -10,3 +10,4 @@ function outer() {',
      ' keep',
      '-gone',
      '+added one',
      '+added two',
      ' keep too',
      '\\ No newline at end of file',
      'diff --git a/img.png b/img.png',
      'new file mode 100644',
      'Binary files /dev/null and b/img.png differ',
      'diff --git a/added.py b/added.py',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/added.py',
      '@@ -0,0 +1 @@',
      '+print(1)',
      'diff --git a/gone.rb b/gone.rb',
      'deleted file mode 100644',
      '--- a/gone.rb',
      '+++ /dev/null',
      '@@ -1,2 +0,0 @@',
      '-a',
      '-b',
      'diff --git "a/sp ace/\\303\\251.js" "b/sp ace/\\303\\251.js"',
      '--- "a/sp ace/\\303\\251.js"',
      '+++ "b/sp ace/\\303\\251.js"',
      '@@ -1 +1 @@',
      '-x',
      '+y',
      '',
    ].join('\n');
    const files = parseDiff(text);
    expect(files.map((f) => [f.path, f.status, f.binary])).toEqual([
      ['src/new.ts', 'renamed', false],
      ['img.png', 'added', true],
      ['added.py', 'added', false],
      ['gone.rb', 'removed', false],
      ['sp ace/é.js', 'modified', false],
    ]);
    const [renamed] = files;
    expect(renamed?.oldPath).toBe('src/old.ts');
    expect(renamed?.hunks[0]?.heading).toBe('function outer() {');
    expect(renamed?.hunks[0]?.lines.filter((l) => l.kind === 'add').map((l) => l.newLine)).toEqual([11, 12]);
    expect(renamed?.hunks[0]?.lines.at(-1)).toMatchObject({ kind: 'ctx', newLine: 13, oldLine: 12 });
  });

  it('reads a lone patch (as the PR files API returns it) and a hunk line that starts with ---', () => {
    const result = analyzePatches(
      [{ filename: 'a.txt', status: 'modified', patch: '@@ -1,2 +1,2 @@\n---x DANGER\n+--- DANGER\n keep' }],
      {},
      RULES,
    );
    expect(result.findings.map((f) => [f.path, f.line])).toEqual([['a.txt', 1]]);
  });
});

describe('what is reported', () => {
  it('reports added lines only, never context or removed ones, with the new-file line', () => {
    const diff = gitDiff('src/a.ts', '@@ -5,3 +5,3 @@\n DANGER in context\n-DANGER removed\n+DANGER added\n ok');
    const { findings } = analyzeDiff(diff, {}, RULES);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      ruleId: 'probe.danger',
      path: 'src/a.ts',
      line: 6,
      column: 1,
      severity: 'high',
      class: 'dangerous-code',
    });
  });

  it('reports a match spanning lines at its first added line', () => {
    const diff = gitDiff('src/a.ts', '@@ -1,2 +1,3 @@\n SPAN(a,\n+ b,\n c)');
    expect(analyzeDiff(diff, {}, RULES).findings.map((f) => [f.line, f.endLine])).toEqual([[2, 3]]);
  });

  it('silences a finding with an inline comment: same line, next line, by id, class or prefix', () => {
    const added = [
      'DANGER // chittyconnect-ignore',
      'DANGER # chittyconnect-ignore probe.danger -- reviewed',
      '// chittyconnect-ignore-next-line dangerous-code',
      'DANGER',
      '/* chittyconnect-ignore-next-line probe.* */',
      'DANGER',
      'DANGER // chittyconnect-ignore probe.other',
      '// chittyconnect-ignore-next-line',
      'LOW DANGER',
      'DANGER // chittyconnect-ignore-next-line (applies to the next line, not this one)',
    ];
    const diff = gitDiff('x.js', `@@ -0,0 +1,${added.length} @@\n${added.map((l) => `+${l}`).join('\n')}`, '--- /dev/null\n+++ b/x.js');
    const result = analyzeDiff(diff, {}, RULES);
    expect(result.findings.map((f) => f.line)).toEqual([7, 10]);
    expect(result.suppressed).toBe(6);
  });

  it('applies the options: ignored paths, disabled rules by id, prefix and class', () => {
    const diff = gitDiff('docs/a.md', '@@ -1 +1 @@\n-x\n+DANGER LOW') + gitDiff('src/b.ts', '@@ -1 +1 @@\n-x\n+DANGER LOW');
    expect(analyzeDiff(diff, { ignorePaths: ['docs/**'] }, RULES).skipped).toEqual([{ path: 'docs/a.md', reason: 'ignored' }]);
    expect(analyzeDiff(diff, { disabledRules: ['probe.low'] }, RULES).findings.map((f) => f.ruleId)).toEqual([
      'probe.danger',
      'probe.danger',
    ]);
    expect(analyzeDiff(diff, { disabledRules: ['probe.*'] }, RULES).findings).toEqual([]);
    expect(analyzeDiff(diff, { disabledClasses: ['complexity'] }, RULES).findings.every((f) => f.class === 'dangerous-code')).toBe(true);
  });

  it('orders findings by severity, then path and line', () => {
    const diff = gitDiff('b.ts', '@@ -1 +1,2 @@\n-x\n+LOW\n+DANGER') + gitDiff('a.ts', '@@ -1 +1 @@\n-x\n+LOW');
    expect(analyzeDiff(diff, {}, RULES).findings.map((f) => `${f.severity}:${f.path}:${f.line}`)).toEqual([
      'high:b.ts:2',
      'low:a.ts:1',
      'low:b.ts:1',
    ]);
  });

  it('keeps a fingerprint when the line moves, and tells repeated identical lines apart', () => {
    const first = analyzeDiff(gitDiff('a.ts', '@@ -1 +1,2 @@\n x\n+  DANGER  here'), {}, RULES).findings;
    const moved = analyzeDiff(gitDiff('a.ts', '@@ -40 +40,2 @@\n y\n+DANGER here'), {}, RULES).findings;
    expect(moved[0]?.line).not.toBe(first[0]?.line);
    expect(moved[0]?.fingerprint).toBe(first[0]?.fingerprint);
    const twice = analyzeDiff(gitDiff('a.ts', '@@ -1 +1,3 @@\n x\n+DANGER\n+DANGER'), {}, RULES).findings;
    expect(new Set(twice.map((f) => f.fingerprint)).size).toBe(2);
  });

  it('keeps analysing when a rule throws', () => {
    const broken: Rule = {
      ...probe,
      id: 'probe.broken',
      check: () => {
        throw new Error('bug');
      },
    };
    const result = analyzeDiff(gitDiff('a.ts', '@@ -1 +1 @@\n-x\n+DANGER'), {}, [broken, probe]);
    expect(result.findings.map((f) => f.ruleId)).toEqual(['probe.danger']);
    expect(result.ruleErrors).toEqual([{ ruleId: 'probe.broken', path: 'a.ts', message: 'bug' }]);
  });
});

describe('what is skipped, and why', () => {
  it.each([
    ['package-lock.json', 'lockfile'],
    ['web/yarn.lock', 'lockfile'],
    ['go.sum', 'lockfile'],
    ['vendor/github.com/x/y.go', 'vendored'],
    ['node_modules/a/index.js', 'vendored'],
    ['dist/app.js', 'generated'],
    ['static/app.min.js', 'generated'],
    ['api/service.pb.go', 'generated'],
    ['logo.png', 'binary'],
  ])('%s is skipped as %s', (path, reason) => {
    expect(analyzeDiff(gitDiff(path, '@@ -1 +1 @@\n-x\n+DANGER'), {}, RULES)).toMatchObject({ findings: [], skipped: [{ path, reason }] });
  });

  it('skips generated files by their marker, oversized files, and files past the limit', () => {
    const generated = gitDiff(
      'src/gen.go',
      '@@ -0,0 +1,2 @@\n+// Code generated by protoc-gen-go. DO NOT EDIT.\n+DANGER',
      '--- /dev/null\n+++ b/src/gen.go',
    );
    expect(analyzeDiff(generated, {}, RULES).skipped).toEqual([{ path: 'src/gen.go', reason: 'generated' }]);
    const big = gitDiff('big.ts', `@@ -0,0 +1,4 @@\n${'+DANGER\n'.repeat(4)}`);
    expect(analyzeDiff(big, { maxAddedLinesPerFile: 3 }, RULES).skipped).toEqual([{ path: 'big.ts', reason: 'too-large' }]);
    const two = gitDiff('a.ts', '@@ -1 +1 @@\n-x\n+DANGER') + gitDiff('b.ts', '@@ -1 +1 @@\n-x\n+DANGER');
    expect(analyzeDiff(two, { maxFiles: 1 }, RULES)).toMatchObject({ files: 1, skipped: [{ path: 'b.ts', reason: 'limit' }] });
  });

  it('says why the PR files API left a patch out', () => {
    const result = analyzePatches(
      [
        { filename: 'huge.ts', status: 'modified' },
        { filename: 'img.jpg', status: 'added' },
      ],
      {},
      RULES,
    );
    expect(result.skipped).toEqual([
      { path: 'huge.ts', reason: 'no-patch' },
      { path: 'img.jpg', reason: 'binary' },
    ]);
  });

  it('knows languages and test paths', () => {
    expect(
      ['a.ts', 'b.py', 'c.go', 'D.java', 'e.rb', 'Rakefile', '.github/workflows/ci.yml', 'x.yaml', 'README.md'].map(languageOf),
    ).toEqual(['typescript', 'python', 'go', 'java', 'ruby', 'ruby', 'workflow', 'yaml', null]);
    expect(
      ['test/a.ts', 'src/a.test.ts', 'pkg/a_test.go', 'spec/x_spec.rb', 'tests/test_x.py', 'src/FooTest.java', 'fixtures/keys.json'].every(
        isTestPath,
      ),
    ).toBe(true);
    expect(['src/a.ts', 'src/contest.ts', 'lib/attestation.py', 'src/latest.go'].some(isTestPath)).toBe(false);
  });
});

describe('SARIF 2.1.0', () => {
  it('tags each rule by class, gives security rules a security-severity, and notes skipped files', () => {
    const diff = gitDiff('src/a.ts', '@@ -1 +1,2 @@\n x\n+DANGER LOW') + gitDiff('yarn.lock', '@@ -1 +1 @@\n-x\n+y');
    const sarif = toSarif(analyzeDiff(diff, {}, RULES), RULES);
    const run = sarif.runs[0];
    const byId = new Map(run?.tool.driver.rules?.map((r) => [r.id, r]));
    expect(byId.get('probe.danger')?.properties).toMatchObject({
      tags: ['dangerous-code', 'security', 'external/cwe/cwe-94'],
      'security-severity': '8.0',
      precision: 'high',
    });
    expect(byId.get('probe.low')?.properties).toEqual({
      tags: ['complexity', 'maintainability', 'external/cwe/cwe-94'],
      precision: 'medium',
    });
    expect(byId.get('probe.low')?.defaultConfiguration).toEqual({ level: 'note' });
    expect(run?.results?.map((r) => [r.ruleId, r.level, r.ruleIndex])).toEqual([
      ['probe.danger', 'error', 0],
      ['probe.low', 'note', 1],
    ]);
    expect(run?.invocations?.[0]?.toolExecutionNotifications).toEqual([
      { level: 'note', message: { text: 'Skipped yarn.lock: lockfile' }, descriptor: { id: 'skipped.lockfile' } },
    ]);
  });

  it('describes the tool, the rules that fired and each result with location and fingerprint', () => {
    const result = analyzeDiff(gitDiff('src/a b.ts', '@@ -1 +1,2 @@\n x\n+DANGER'), {}, RULES);
    const sarif = toSarif(result, RULES);
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    expect(run?.tool.driver.name).toBe('ChittyConnect');
    expect(run?.tool.driver.rules?.map((r) => r.id)).toEqual(['probe.danger']);
    expect(run?.results?.[0]).toMatchObject({
      ruleId: 'probe.danger',
      ruleIndex: 0,
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'src/a%20b.ts' }, region: { startLine: 2, startColumn: 1 } } }],
      partialFingerprints: { 'chittyconnect/v1': result.findings[0]?.fingerprint },
    });
    expect(run?.results?.[0]?.message.text).toContain('Remove it.');
  });
});
