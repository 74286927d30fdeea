/**
 * The emulated authority's own ChittyID code (emulator/src/chitty-id.ts) against the same
 * hand-worked vectors as the worker's reading, and against the worker's reading itself on many
 * generated ids: two independent writings of one rule must agree everywhere.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDigitMatches, ID_ENTITY_TYPES, isCanonicalShape, issueId, luhnDigitFor, yearMonthCode } from '../../emulator/src/chitty-id';
import { hasValidChecksum, parseChittyId } from '../../src/ecosystem/chitty-id';

describe('the emulated authority’s ChittyIDs', () => {
  it('computes the hand-worked check digits', () => {
    expect(luhnDigitFor('01CACT4829PEOQ5')).toBe(3);
    expect(luhnDigitFor('01CACT0001PEOQB')).toBe(4);
    expect(luhnDigitFor('01CACT0003ACTORQB')).toBe(8);
    // Plain Luhn on digits alone, the textbook vector: 7992739871 → 3.
    expect(luhnDigitFor('7992739871')).toBe(3);
    expect(checkDigitMatches('01-C-ACT-4829-PEO-Q5-3-0')).toBe(true);
    expect(checkDigitMatches('01-C-ACT-4829-PEO-Q5-7-0')).toBe(false);
    expect(isCanonicalShape('01-C-ACT-4829-PEO-Q5-7-0')).toBe(true);
  });

  it('encodes year and month in base 36', () => {
    expect(yearMonthCode(new Date('2026-05-10T00:00:00Z'))).toBe('Q5');
    expect(yearMonthCode(new Date('2026-11-26T00:00:00Z'))).toBe('QB');
    expect(yearMonthCode(new Date('2035-12-31T23:59:59Z'))).toBe('ZC');
  });

  it('issues ids of the documented form: 01-C-ACT-SSSS-<type>-<YM>-<check>-0', () => {
    expect(issueId('PEO', 4829, new Date('2026-05-10T00:00:00Z'))).toBe('01-C-ACT-4829-PEO-Q5-3-0');
    expect(issueId('ACTOR', 3, new Date('2026-11-01T00:00:00Z'))).toBe('01-C-ACT-0003-ACTOR-QB-8-0');
  });

  it('agrees with the worker’s reading on every generated id, valid or not', () => {
    const id = fc
      .record({
        vv: fc.integer({ min: 0, max: 99 }),
        g: fc.constantFrom('C', 'E'),
        lll: fc.constantFrom('ACT', 'EMG', 'MTR', 'EXP', 'ARC'),
        seq: fc.integer({ min: 0, max: 9999 }),
        t: fc.constantFrom(...ID_ENTITY_TYPES),
        ym: fc.stringMatching(/^[0-9A-Z]{2}$/),
        c: fc.integer({ min: 0, max: 9 }),
        x: fc.stringMatching(/^[0-9A-Z]$/),
      })
      .map((p) => `${String(p.vv).padStart(2, '0')}-${p.g}-${p.lll}-${String(p.seq).padStart(4, '0')}-${p.t}-${p.ym}-${p.c}-${p.x}`);
    fc.assert(
      fc.property(id, (candidate) => {
        expect(parseChittyId(candidate)).not.toBeNull();
        expect(checkDigitMatches(candidate)).toBe(hasValidChecksum(candidate));
      }),
      { numRuns: 2000 },
    );
  });

  it('every id it issues validates under the worker’s reading', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ID_ENTITY_TYPES),
        fc.integer({ min: 1, max: 9999 }),
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true }),
        (type, seq, at) => {
          expect(hasValidChecksum(issueId(type, seq, at))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
