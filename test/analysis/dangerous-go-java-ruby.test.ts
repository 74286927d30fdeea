/**
 * Dangerous-code rules for Go, Java and Ruby, measured on their labelled corpora
 * (test/fixtures/intelligence/code/go.json, java.json, ruby.json): precision and recall floors over
 * the three together and per language, every rule with positives and look-alike negatives (a case
 * named after the rule that expects nothing), every rule's documented example flagged, severity
 * that follows where the data comes from, inline suppression, and long lines that stay fast.
 */
import { describe, expect, it } from 'vitest';
import { analyzeDiff } from '../../src/analysis/engine';
import { GO_RULES } from '../../src/analysis/rules/go';
import { JAVA_RULES } from '../../src/analysis/rules/java';
import { RUBY_RULES } from '../../src/analysis/rules/ruby';
import go from '../fixtures/intelligence/code/go.json';
import java from '../fixtures/intelligence/code/java.json';
import ruby from '../fixtures/intelligence/code/ruby.json';
import { type CodeCase, caseDiff, runCase, score } from './corpus';

const corpora = [
  { name: 'go', cases: go.cases as CodeCase[], rules: GO_RULES, path: 'internal/server/handler.go' },
  { name: 'java', cases: java.cases as CodeCase[], rules: JAVA_RULES, path: 'src/main/java/com/acme/web/Handler.java' },
  { name: 'ruby', cases: ruby.cases as CodeCase[], rules: RUBY_RULES, path: 'app/controllers/handler_controller.rb' },
];

const findings = (path: string, added: string) => runCase({ name: 'probe', path, added, expect: [] }).findings;

describe('dangerous code in Go, Java and Ruby', () => {
  it('meets the floors over the three corpora together (precision >= 0.90, recall >= 0.80)', () => {
    const s = score(
      corpora.flatMap((c) => c.cases),
      'dangerous-code',
    );
    expect(s.errors, s.errors.join('\n')).toEqual([]);
    expect(s.precision).toBeGreaterThanOrEqual(0.9);
    expect(s.recall).toBeGreaterThanOrEqual(0.8);
  });
});

describe.each(corpora)('dangerous code in $name', ({ cases, rules, path }) => {
  it('has at least 25 cases, roughly balanced, and meets the floors on its own', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    const negatives = cases.filter((c) => c.expect.length === 0).length;
    expect(negatives).toBeGreaterThanOrEqual(Math.floor(cases.length / 3));
    expect(cases.length - negatives).toBeGreaterThanOrEqual(Math.floor(cases.length / 3));
    const s = score(cases, 'dangerous-code');
    expect(s.errors, s.errors.join('\n')).toEqual([]);
    expect(s.precision).toBeGreaterThanOrEqual(0.9);
    expect(s.recall).toBeGreaterThanOrEqual(0.8);
  });

  it.each(rules.map((r) => [r.id, r] as const))('%s has 2+ positives, 2+ look-alike negatives and an example it flags', (id, rule) => {
    expect(rule.class).toBe('dangerous-code');
    expect(cases.filter((c) => c.expect.some((e) => e.rule === id)).length, `${id} positives`).toBeGreaterThanOrEqual(2);
    expect(cases.filter((c) => c.name.startsWith(`${id}:`) && c.expect.length === 0).length, `${id} negatives`).toBeGreaterThanOrEqual(2);
    const found = analyzeDiff(caseDiff({ name: id, path, added: rule.example ?? '', expect: [] })).findings.map((f) => f.ruleId);
    expect(found).toContain(id);
  });
});

describe('severity follows where the data comes from', () => {
  it('Ruby: request data is critical, a local value high', () => {
    expect(findings('app/services/a.rb', '    system("tar xzf #{params[:file]}")').map((f) => f.severity)).toEqual(['critical']);
    expect(findings('app/services/a.rb', '    system("tar xzf #{path}")').map((f) => f.severity)).toEqual(['high']);
  });

  it('Go: sh -c with a built string is high, with a value the diff does not show medium', () => {
    expect(findings('cmd/a.go', '\tcmd := exec.Command("sh", "-c", "tar xzf "+path)').map((f) => f.severity)).toEqual(['high']);
    expect(findings('cmd/a.go', '\tcmd := exec.Command("sh", "-c", script)').map((f) => f.severity)).toEqual(['medium']);
  });

  it('Java: ObjectInputStream on a request is high, on a file medium', () => {
    const java = (arg: string) => findings('src/main/java/A.java', `        ObjectInputStream in = new ObjectInputStream(${arg});`);
    expect(java('request.getInputStream()').map((f) => f.severity)).toEqual(['high']);
    expect(java('new FileInputStream(path)').map((f) => f.severity)).toEqual(['medium']);
  });
});

describe('context lines inform the rules but are not reported', () => {
  it('a query built in context and run on an added line is flagged on the added line', () => {
    const c: CodeCase = {
      name: 'ctx',
      path: 'internal/store/a.go',
      before: '\tq := "SELECT * FROM users WHERE name = \'" + name + "\'"',
      added: '\trows, err := db.Query(q)',
      expect: [],
    };
    expect(runCase(c).findings.map((f) => [f.ruleId, f.line])).toEqual([['go.sql-string-format', 2]]);
  });

  it('a flagged call that is only context is not reported', () => {
    const c: CodeCase = {
      name: 'ctx',
      path: 'app/models/a.rb',
      before: '    User.where("name = \'#{name}\'")',
      added: '    logger.info("looked up")',
      expect: [],
    };
    expect(runCase(c).findings).toEqual([]);
  });
});

describe('inline suppression', () => {
  const line = '\tTLSClientConfig: &tls.Config{InsecureSkipVerify: true},';

  it('flags the line without a comment', () => {
    expect(findings('internal/client/a.go', line).map((f) => f.ruleId)).toEqual(['go.tls-insecure-skip-verify']);
  });

  it('is silenced by chittyconnect-ignore on the line and by -next-line above it, for that rule only', () => {
    const same = runCase({
      name: 's',
      path: 'internal/client/a.go',
      added: `${line} // chittyconnect-ignore go.tls-insecure-skip-verify`,
      expect: [],
    });
    expect(same.findings).toEqual([]);
    expect(same.suppressed).toBe(1);
    const next = runCase({
      name: 'n',
      path: 'app/a.rb',
      added: '# chittyconnect-ignore-next-line rb.insecure-deserialization\nx = Marshal.load(data)',
      expect: [],
    });
    expect(next.findings).toEqual([]);
    expect(next.suppressed).toBe(1);
    const other = runCase({
      name: 'o',
      path: 'internal/client/a.go',
      added: `${line} // chittyconnect-ignore go.command-injection`,
      expect: [],
    });
    expect(other.findings.map((f) => f.ruleId)).toEqual(['go.tls-insecure-skip-verify']);
  });
});

describe('long lines', () => {
  it('analyses 20,000-character lines of each language quickly', () => {
    const long = (s: string) => s.repeat(Math.ceil(20_000 / s.length)).slice(0, 20_000);
    const started = performance.now();
    findings('a/b.go', `\tdb.Query(fmt.Sprintf("${long('%s ')}", ${long('x, ')}`);
    findings('A.java', `  stmt.executeQuery("a" + ${long('b + "(" + ')}`);
    findings('a.rb', `  User.where("${long('#{x} ')}"  ${long('`#{')}`);
    findings('a.rb', `  system ${long('(((')}`);
    findings('A.java', long('boolean verify(String h, SSLSession s) { log.x(a); // '));
    findings('a.rb', long('%x(%x('));
    findings('a/b.go', long('db.Query("a" + '));
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
