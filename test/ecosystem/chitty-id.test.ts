/** ChittyIDs minted by the authority validate; a tampered one does not, locally or at the authority. */
import { describe, expect, it } from 'vitest';
import { checksumOf, hasValidChecksum, parseChittyId, yearMonthOf } from '../../src/ecosystem/chitty-id';
import { testClient } from '../helpers/client';

function tamper(id: string): string {
  // Change one digit of the sequence (field 4), keeping the shape.
  const parts = id.split('-');
  const seq = parts[3] as string;
  parts[3] = `${seq.slice(0, 3)}${(Number(seq[3]) + 1) % 10}`;
  return parts.join('-');
}

describe('ChittyID', () => {
  it('the example from the spec has the canonical shape', () => {
    expect(parseChittyId('01-C-ACT-4829-PEO-Q5-7-0')).toMatchObject({ entityType: 'PEO', yearMonth: 'Q5', lifecycle: 'ACT' });
    expect(parseChittyId('01-X-ACT-4829-PEO-Q5-7-0')).toBeNull();
    expect(parseChittyId('not an id')).toBeNull();
  });

  it('encodes year and month in base 36', () => {
    expect(yearMonthOf(new Date('2026-05-10T00:00:00Z'))).toBe('Q5');
    expect(yearMonthOf(new Date('2026-11-26T00:00:00Z'))).toBe('QB');
  });

  it('the checksum catches every single-digit change of the sequence', () => {
    const body = '01CACT4829PEOQ5';
    const good = checksumOf(body);
    for (let d = 0; d < 10; d++) {
      const changed = `01CACT482${d}PEOQ5`;
      if (d !== 9) expect(checksumOf(changed)).not.toBe(good);
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
    parts[6] = checksumOf(parts.slice(0, 6).join(''));
    const forged = parts.join('-');
    expect(hasValidChecksum(forged)).toBe(true);
    expect(await client.id.validate(forged)).toMatchObject({ valid: false, reason: 'unknown' });
  });
});
