/**
 * ChittyIDs: fixed test vectors worked out by hand (not by the code under test), the example the
 * docs print, and ids minted by the emulated authority — whose check-digit code is its own
 * (emulator/src/chitty-id.ts), so agreement here is two independent writings agreeing.
 */
import { describe, expect, it } from 'vitest';
import { hasValidChecksum, parseChittyId } from '../../src/ecosystem/chitty-id';
import { testClient } from '../helpers/client';

/**
 * `01CACT4829PEOQ5` spelled as the decimal digits of each character's base-36 value:
 * 0 1 | 12 | 10 12 29 | 4 8 2 9 | 25 14 24 | 26 5  →  0 1 1 2 1 0 1 2 2 9 4 8 2 9 2 5 1 4 2 4 2 6 5.
 * Luhn from the right, doubling the 1st, 3rd, …: doubled 5 2 2 1 2 2 4 2 1 1 1 0 → 1 4 4 2 4 4 8 4 2 2 2 0 = 37;
 * kept 6 4 4 5 9 8 9 2 0 2 1 = 50; 37 + 50 = 87, so the check digit is (10 − 7) mod 10 = 3.
 */
const CANONICAL = '01-C-ACT-4829-PEO-Q5-3-0';
/** The example ../shared/SPEC.md prints: the right shape, but 7 is not its check digit (3 is). */
const SPEC_EXAMPLE = '01-C-ACT-4829-PEO-Q5-7-0';
/** Worked the same way: `01CACT0001PEOQB` → …0 0 0 1 2 5 1 4 2 4 2 6 1 1 → 4; `…0003ACTORQB` → 8. */
const MORE_VALID = ['01-C-ACT-0001-PEO-QB-4-0', '01-C-ACT-0003-ACTOR-QB-8-0'];

/** Every id that differs from `id` in exactly one decimal digit of VV, SSSS or C. */
function oneDigitChanges(id: string): string[] {
  const digitPositions = [0, 1, 9, 10, 11, 12, id.length - 3];
  const out: string[] = [];
  for (const at of digitPositions) {
    for (let d = 0; d < 10; d++) {
      if (String(d) !== id[at]) out.push(`${id.slice(0, at)}${d}${id.slice(at + 1)}`);
    }
  }
  return out;
}

function tamper(id: string): string {
  // Change one digit of the sequence (field 4), keeping the shape.
  const parts = id.split('-');
  const seq = parts[3] as string;
  parts[3] = `${seq.slice(0, 3)}${(Number(seq[3]) + 1) % 10}`;
  return parts.join('-');
}

describe('ChittyID', () => {
  it('the canonical example has the canonical shape; malformed ones do not', () => {
    expect(parseChittyId(CANONICAL)).toMatchObject({ entityType: 'PEO', yearMonth: 'Q5', lifecycle: 'ACT', checksum: '3' });
    expect(parseChittyId('01-X-ACT-4829-PEO-Q5-3-0')).toBeNull();
    expect(parseChittyId('01-C-ACT-4829-PEO-Q5-A-0')).toBeNull();
    expect(parseChittyId('not an id')).toBeNull();
  });

  it('the hand-worked vectors validate; the spec’s printed example does not (its check digit is 3, not 7)', () => {
    expect(hasValidChecksum(CANONICAL)).toBe(true);
    for (const id of MORE_VALID) expect(hasValidChecksum(id), id).toBe(true);
    expect(parseChittyId(SPEC_EXAMPLE)).not.toBeNull();
    expect(hasValidChecksum(SPEC_EXAMPLE)).toBe(false);
  });

  it('no single-digit change of VV, SSSS or C validates', () => {
    const changed = oneDigitChanges(CANONICAL);
    expect(changed).toHaveLength(63);
    expect(changed.filter(hasValidChecksum)).toEqual([]);
  });

  it('the authority agrees on the vectors: the example and the spec’s example are both well formed, one checksum is wrong', async () => {
    const { client } = testClient();
    // Never minted by this authority, so at best `unknown`; but the checksum is judged first.
    expect(await client.id.validate(CANONICAL)).toMatchObject({ valid: false, reason: 'unknown' });
    expect(await client.id.validate(SPEC_EXAMPLE)).toMatchObject({ valid: false, reason: 'bad_checksum' });
    for (const id of oneDigitChanges(CANONICAL).slice(0, 9)) {
      expect(await client.id.validate(id), id).toMatchObject({ valid: false, reason: 'bad_checksum' });
    }
  });

  it('ids minted by the authority validate there and locally; a tampered one fails both', async () => {
    const { client } = testClient();
    for (const type of ['CONTEXT', 'ACTOR', 'EVNT', 'INFO'] as const) {
      const { chittyId } = await client.id.mint(type);
      expect(hasValidChecksum(chittyId)).toBe(true);
      expect((await client.id.validate(chittyId)).valid).toBe(true);
      const forged = tamper(chittyId);
      expect(hasValidChecksum(forged)).toBe(false);
      expect(await client.id.validate(forged)).toMatchObject({ valid: false, reason: 'bad_checksum' });
    }
  });

  it('a well-formed id the authority never minted is not valid', async () => {
    const { client } = testClient();
    const { chittyId } = await client.id.mint('CONTEXT');
    const parts = chittyId.split('-');
    parts[3] = parts[3] === '9999' ? '9998' : '9999';
    // Find the check digit by trying all ten: the one the local reading accepts.
    const forged = Array.from({ length: 10 }, (_, d) => [...parts.slice(0, 6), String(d), parts[7]].join('-')).filter(hasValidChecksum);
    expect(forged).toHaveLength(1);
    expect(await client.id.validate(forged[0] as string)).toMatchObject({ valid: false, reason: 'unknown' });
  });
});
