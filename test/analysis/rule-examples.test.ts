/**
 * docs/intelligence.md shows each rule's `example`: it must be something the rule really flags.
 * Each example is added as a new file of the rule's first language and analysed by the engine.
 */
import { describe, expect, it } from 'vitest';
import { analyzeDiff } from '../../src/analysis/engine';
import { ALL_RULES } from '../../src/analysis/rules';
import type { Language, Rule } from '../../src/analysis/types';
import { caseDiff } from './corpus';

const PATHS: Record<Language, string> = {
  javascript: 'src/server.js',
  typescript: 'src/server.ts',
  python: 'app/views.py',
  go: 'pkg/server/server.go',
  java: 'src/main/java/com/acme/Service.java',
  ruby: 'app/models/account.rb',
  workflow: '.github/workflows/build.yml',
  yaml: 'config/app.yml',
  shell: 'scripts/deploy.sh',
};

const pathFor = (rule: Rule) => (rule.languages === 'any' ? 'config/settings.py' : PATHS[rule.languages[0] as Language]);

describe('every rule documents an example it flags', () => {
  it.each(ALL_RULES.map((r) => [r.id, r] as const))('%s', (_id, rule) => {
    expect(rule.example, 'an example for the docs').toBeTruthy();
    expect(rule.fix.length, 'a fix hint').toBeGreaterThan(10);
    const diff = caseDiff({ name: rule.id, path: pathFor(rule), added: rule.example ?? '', expect: [] });
    const ids = analyzeDiff(diff).findings.map((f) => f.ruleId);
    expect(ids).toContain(rule.id);
  });
});
