/**
 * The whole labelled corpus (test/fixtures/intelligence/code/*.json), scored per class against the
 * floors the issue sets: secrets precision ≥ 0.95 and recall ≥ 0.90; dangerous code and workflows
 * precision ≥ 0.90 and recall ≥ 0.80. Each area's own test asserts its rules in detail; this one
 * checks the corpus as a whole: big enough, every rule exercised, every language with positives
 * and look-alike negatives, and the figures printed for the closing note.
 */
import { describe, expect, it } from 'vitest';
import { languageOf } from '../../src/analysis/files';
import { ALL_RULES } from '../../src/analysis/rules';
import type { FindingClass } from '../../src/analysis/types';
import complexity from '../fixtures/intelligence/code/complexity.json';
import go from '../fixtures/intelligence/code/go.json';
import java from '../fixtures/intelligence/code/java.json';
import javascript from '../fixtures/intelligence/code/javascript.json';
import python from '../fixtures/intelligence/code/python.json';
import ruby from '../fixtures/intelligence/code/ruby.json';
import secrets from '../fixtures/intelligence/code/secrets.json';
import workflows from '../fixtures/intelligence/code/workflows.json';
import { type CodeCase, type Corpus, expectedLines, runCase, score } from './corpus';

const AREAS: Record<string, Corpus> = { secrets, javascript, python, go, java, ruby, workflows, complexity } as Record<string, Corpus>;
const ALL: CodeCase[] = Object.values(AREAS).flatMap((c) => c.cases);

const FLOORS: Record<FindingClass, { precision: number; recall: number }> = {
  secrets: { precision: 0.95, recall: 0.9 },
  'dangerous-code': { precision: 0.9, recall: 0.8 },
  workflows: { precision: 0.9, recall: 0.8 },
  complexity: { precision: 0.8, recall: 0.8 },
};

describe('the labelled corpus', () => {
  it('has at least 200 code cases, with positives and look-alike negatives for every class and language', () => {
    expect(ALL.length).toBeGreaterThanOrEqual(200);
    for (const [area, corpus] of Object.entries(AREAS)) {
      const positives = corpus.cases.filter((c) => c.expect.length > 0).length;
      const negatives = corpus.cases.length - positives;
      expect({ area, positives: positives > 0, negatives: negatives > 0 }).toEqual({ area, positives: true, negatives: true });
    }
    for (const lang of ['javascript', 'typescript', 'python', 'go', 'java', 'ruby', 'workflow'] as const) {
      const cases = ALL.filter((c) => languageOf(c.path) === lang);
      const found = {
        lang,
        positives: cases.some((c) => expectedLines(c).some((e) => e.class !== 'secrets')),
        negatives: cases.some((c) => c.expect.length === 0),
      };
      expect(found).toEqual({ lang, positives: true, negatives: true });
    }
  });

  it('runs every case without a rule throwing', () => {
    expect(ALL.flatMap((c) => runCase(c).ruleErrors.map((e) => `${c.name}: ${e.ruleId}: ${e.message}`))).toEqual([]);
  });

  it('exercises every rule with at least one positive case', () => {
    const expected = new Set(ALL.flatMap((c) => c.expect.map((e) => e.rule)));
    expect(ALL_RULES.filter((r) => !expected.has(r.id)).map((r) => r.id)).toEqual([]);
  });

  it.each(Object.entries(FLOORS))('%s meets its precision and recall floors', (klass, floor) => {
    const s = score(ALL, klass as FindingClass);
    console.info(`corpus ${klass}: precision ${s.precision.toFixed(3)} recall ${s.recall.toFixed(3)} (tp ${s.tp}, fp ${s.fp}, fn ${s.fn})`);
    expect(s.tp + s.fn, `${klass} has positives in the corpus`).toBeGreaterThan(0);
    expect(s.precision, s.errors.join('\n')).toBeGreaterThanOrEqual(floor.precision);
    expect(s.recall, s.errors.join('\n')).toBeGreaterThanOrEqual(floor.recall);
  });
});
