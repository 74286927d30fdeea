/**
 * The secrets rules against their labelled corpus (test/fixtures/intelligence/code/secrets.json):
 * precision and recall floors, every rule exercised with positives, every rule's documented example
 * flagged by that rule, severities by kind (live vs test keys, encrypted keys, JWTs), redacted
 * messages, inline suppression, and context lines never reported.
 */
import { describe, expect, it } from 'vitest';
import { parseDiff } from '../../src/analysis/diff';
import { analyzeDiff, sourceFileOf } from '../../src/analysis/engine';
import { SECRET_RULES } from '../../src/analysis/rules/secrets';
import secrets from '../fixtures/intelligence/code/secrets.json';
import { type CodeCase, type Corpus, caseDiff, runCase, score } from './corpus';

const CASES = (secrets as Corpus).cases;

/** Findings of the secrets class for lines added to `path`. */
const findingsOf = (path: string, added: string, extra: Partial<CodeCase> = {}) =>
  runCase({ name: path, path, added, expect: [], ...extra }).findings.filter((f) => f.class === 'secrets');

// Made-up credentials of each shape (random, never issued by any provider).
const GH = 'ghp_R8mQ2pLw9TzN4bYc7HdJs6FeA1uGi0oV5nWq';
const LIVE = 'sk_live_51Hq8vRmQ2pLw9TzN4bYc7HdJs6FeA1uGi0oV5nWq8rXz2mKc4TbLp';
const TEST = 'sk_test_51Hq8vRmQ2pLw9TzN4bYc7HdJs6FeA1uGi0oV5nWq8rXz2mKc4TbLp';
const PEM_BODY = [
  'MIIEowIBAAKCAQEAq7kR8mQ2pLw9TzN4bYc7HdJs6FeA1uGi0oV5nWq8rXz2mKc4TbLp9yQe',
  'Rs3U7wZa1Nf6Pd0Hj2Vg5Bx8Ct4EmK9sLq3Wn7Yr2Xv5Tb8Mc1Zd4Fg6Hj0Kl3Pq9Rs2Uv5W',
];

describe('secrets rules', () => {
  it('meet the precision and recall floors on the labelled corpus', () => {
    const s = score(CASES, 'secrets');
    console.info(
      `secrets corpus: ${CASES.length} cases, precision ${s.precision.toFixed(3)} recall ${s.recall.toFixed(3)} (tp ${s.tp}, fp ${s.fp}, fn ${s.fn})`,
    );
    expect(CASES.length).toBeGreaterThanOrEqual(80);
    expect(s.precision, s.errors.join('\n')).toBeGreaterThanOrEqual(0.95);
    expect(s.recall, s.errors.join('\n')).toBeGreaterThanOrEqual(0.9);
  });

  it('have at least two positive cases each, and the corpus has as many look-alike negatives as positives', () => {
    const positives = new Map<string, number>();
    for (const c of CASES) for (const e of c.expect) positives.set(e.rule, (positives.get(e.rule) ?? 0) + 1);
    expect(SECRET_RULES.filter((r) => (positives.get(r.id) ?? 0) < 2).map((r) => r.id)).toEqual([]);
    const negatives = CASES.filter((c) => c.expect.length === 0).length;
    expect(negatives).toBeGreaterThanOrEqual(CASES.length / 2 - 10);
  });

  it('never throw (the engine would silently drop a rule that does)', () => {
    const failures: string[] = [];
    for (const c of CASES)
      for (const diff of parseDiff(caseDiff(c))) {
        const file = sourceFileOf(diff);
        for (const rule of SECRET_RULES)
          try {
            [...rule.check(file)];
          } catch (e) {
            failures.push(`${c.name}: ${rule.id}: ${String(e)}`);
          }
      }
    expect(failures).toEqual([]);
  });

  it.each(SECRET_RULES.map((r) => [r.id, r] as const))('%s flags its own documented example', (_id, rule) => {
    expect(rule.example, 'every rule documents an example').toBeTruthy();
    const c: CodeCase = { name: rule.id, path: 'app/settings.conf', added: rule.example ?? '', expect: [] };
    const result = analyzeDiff(caseDiff(c));
    expect(result.findings.map((f) => f.ruleId)).toContain(rule.id);
    expect(rule).toMatchObject({ class: 'secrets', languages: 'any', cwe: ['CWE-798'] });
    expect(rule.fix.length).toBeGreaterThan(20);
  });

  it('redact the value in messages: first and last four characters at most', () => {
    const [f] = findingsOf('src/client.ts', `const gh = new Octokit({ auth: '${GH}' });`);
    expect(f).toMatchObject({
      ruleId: 'secrets.github-token',
      severity: 'critical',
      line: 1,
      message: 'GitHub token `ghp_…5nWq` committed',
    });
    expect(f?.message).not.toContain(GH.slice(4, 16));
    const [g] = findingsOf('config/app.yml', 'client_secret: "Xk3vR8mQ2pLw9TzN4bYc7HdJs6FeA1uG"');
    expect(g).toMatchObject({ ruleId: 'secrets.generic-secret', message: 'Hardcoded secret assigned to `client_secret`' });
  });

  it('grade severity by kind: live keys critical, test-mode keys medium, temporary AWS keys high, JWTs medium', () => {
    expect(findingsOf('billing/stripe.py', `stripe.api_key = "${LIVE}"`).map((f) => f.severity)).toEqual(['critical']);
    expect(findingsOf('billing/stripe.py', `stripe.api_key = "${TEST}"`).map((f) => f.severity)).toEqual(['medium']);
    expect(findingsOf('tests/test_billing.py', `stripe.api_key = "${TEST}"`)).toEqual([]);
    expect(findingsOf('.env', 'AWS_ACCESS_KEY_ID=ASIAQ3EGRT5YKZ7WLN4M').map((f) => f.severity)).toEqual(['high']);
    const encrypted = ['-----BEGIN ENCRYPTED PRIVATE KEY-----', ...PEM_BODY, '-----END ENCRYPTED PRIVATE KEY-----'].join('\n');
    expect(findingsOf('certs/tls.key', encrypted).map((f) => [f.ruleId, f.severity, f.line])).toEqual([['secrets.private-key', 'high', 1]]);
    const plain = ['-----BEGIN RSA PRIVATE KEY-----', ...PEM_BODY, '-----END RSA PRIVATE KEY-----'].join('\n');
    expect(findingsOf('certs/tls.key', plain).map((f) => [f.ruleId, f.severity, f.message])).toEqual([
      ['secrets.private-key', 'critical', 'RSA private key committed'],
    ]);
    expect(findingsOf('test/fixtures/keys/tls.key', plain).map((f) => f.severity)).toEqual(['medium']);
  });

  it('report one finding per line: a provider match wins over the generic rule', () => {
    const found = findingsOf('config/ci.env', `GITHUB_TOKEN=${GH}`);
    expect(found.map((f) => f.ruleId)).toEqual(['secrets.github-token']);
  });

  it('report a key pasted in a comment, but not one on a context line', () => {
    expect(findingsOf('src/app.ts', `// old token: ${GH}`).map((f) => f.ruleId)).toEqual(['secrets.github-token']);
    const contextOnly = findingsOf('src/app.ts', 'const x = 1;', { before: `const token = '${GH}';` });
    expect(contextOnly).toEqual([]);
  });

  it('honour an inline suppression for the named rule only', () => {
    const line = `const gh = new Octokit({ auth: '${GH}' });`;
    expect(findingsOf('src/a.ts', `${line} // chittyconnect-ignore secrets.github-token -- revoked, kept for the docs`)).toEqual([]);
    expect(findingsOf('src/a.ts', `// chittyconnect-ignore-next-line secrets.github-token\n${line}`)).toEqual([]);
    expect(findingsOf('src/a.ts', `${line} // chittyconnect-ignore secrets.jwt`).map((f) => f.ruleId)).toEqual(['secrets.github-token']);
    const result = runCase({ name: 'suppressed', path: 'src/a.ts', added: `${line} // chittyconnect-ignore secrets`, expect: [] });
    expect(result.suppressed).toBe(1);
  });
});
