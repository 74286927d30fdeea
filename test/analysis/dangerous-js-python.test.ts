/**
 * Dangerous-code rules for JavaScript/TypeScript and Python, measured on their labelled corpora
 * (test/fixtures/intelligence/code/javascript.json and python.json): precision and recall floors,
 * every rule has positives and look-alike negatives, every rule's documented example triggers it,
 * and an inline comment silences a finding.
 */
import { describe, expect, it } from 'vitest';
import { analyzeDiff } from '../../src/analysis/engine';
import { JS_RULES } from '../../src/analysis/rules/javascript';
import { PYTHON_RULES } from '../../src/analysis/rules/python';
import javascript from '../fixtures/intelligence/code/javascript.json';
import python from '../fixtures/intelligence/code/python.json';
import { type CodeCase, caseDiff, runCase, score } from './corpus';

const corpora = [
  { name: 'javascript', cases: javascript.cases as CodeCase[], rules: JS_RULES, path: 'src/server/handler.ts', min: 40 },
  { name: 'python', cases: python.cases as CodeCase[], rules: PYTHON_RULES, path: 'app/server/handler.py', min: 35 },
];

describe.each(corpora)('dangerous code in $name', ({ cases, rules, path, min }) => {
  it('meets the precision and recall floors on the corpus', () => {
    expect(cases.length).toBeGreaterThanOrEqual(min);
    const s = score(cases, 'dangerous-code');
    expect(s.errors, s.errors.join('\n')).toEqual([]);
    expect(s.precision).toBeGreaterThanOrEqual(0.9);
    expect(s.recall).toBeGreaterThanOrEqual(0.8);
  });

  it.each(rules.map((r) => [r.id, r] as const))('%s has positives, look-alike negatives and a working example', (id, rule) => {
    const positives = cases.filter((c) => c.expect.some((e) => e.rule === id));
    expect(positives.length, `${id} positives`).toBeGreaterThanOrEqual(2);
    expect(rule.class).toBe('dangerous-code');
    const example = rule.example ?? '';
    expect(example).not.toBe('');
    const found = analyzeDiff(caseDiff({ name: id, path, added: example, expect: [] })).findings.map((f) => f.ruleId);
    expect(found).toContain(id);
  });

  it('has look-alike negatives (cases that expect nothing) for about half the corpus', () => {
    const negatives = cases.filter((c) => c.expect.length === 0).length;
    expect(negatives).toBeGreaterThanOrEqual(Math.floor(cases.length / 3));
  });
});

describe('inline suppression of a dangerous-code finding', () => {
  const flagged: CodeCase = {
    name: 'sql',
    path: 'src/users/store.ts',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text, not a template
    added: 'const { rows } = await pool.query(`SELECT * FROM users WHERE id = ${id}`);\n',
    expect: [{ rule: 'js.sql-injection', line: 1 }],
  };

  it('flags the line without a comment', () => {
    expect(runCase(flagged).findings.map((f) => f.ruleId)).toEqual(['js.sql-injection']);
  });

  it('is silenced by chittyconnect-ignore on the line, and by -next-line above it', () => {
    const same = runCase({
      ...flagged,
      added: `${flagged.added?.trimEnd()} // chittyconnect-ignore js.sql-injection -- id is an integer\n`,
    });
    expect(same.findings).toEqual([]);
    expect(same.suppressed).toBe(1);
    const next = runCase({
      ...flagged,
      path: 'app/users.py',
      added: '# chittyconnect-ignore-next-line py.eval-exec\nvalue = eval(expr)\n',
    });
    expect(next.findings).toEqual([]);
    expect(next.suppressed).toBe(1);
  });

  it('does not let a suppression for another rule silence it', () => {
    const other = runCase({ ...flagged, added: `${flagged.added?.trimEnd()} // chittyconnect-ignore js.eval\n` });
    expect(other.findings.map((f) => f.ruleId)).toEqual(['js.sql-injection']);
  });
});

describe('severity follows how much the change shows', () => {
  it('a shell command from a value the diff does not show is medium, a built one high', () => {
    const unknown = runCase({ name: 'u', path: 'src/run.js', added: 'execSync(command);\n', expect: [] });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text, not a template
    const built = runCase({ name: 'b', path: 'src/run.js', added: 'execSync(`rm -rf ${dir}`);\n', expect: [] });
    expect(unknown.findings.map((f) => [f.ruleId, f.severity])).toEqual([['js.command-injection', 'medium']]);
    expect(built.findings.map((f) => [f.ruleId, f.severity])).toEqual([['js.command-injection', 'high']]);
  });

  it('code execution from request input is critical, from any other value high', () => {
    const severities = (path: string, added: string) =>
      runCase({ name: 's', path, added, expect: [] }).findings.map((f) => [f.ruleId, f.severity]);
    expect(severities('src/calc.js', 'const result = eval(req.query.expr);\n')).toEqual([['js.eval', 'critical']]);
    expect(severities('src/calc.js', 'const result = eval(expr);\n')).toEqual([['js.eval', 'high']]);
    expect(severities('app/api.py', 'state = pickle.loads(request.data)\n')).toEqual([['py.insecure-deserialization', 'critical']]);
    expect(severities('app/cli.py', 'value = eval(input("> "))\n')).toEqual([['py.eval-exec', 'high']]);
  });

  it('torch.load without weights_only is medium', () => {
    const r = runCase({ name: 't', path: 'train/load.py', added: 'ckpt = torch.load(path)\n', expect: [] });
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([['py.insecure-deserialization', 'medium']]);
  });
});
