/**
 * Emulated ChittyVerify (host `verify.*`). Verifies an entity's context with two checks: the
 * `chittyid` check passes when the id is well formed, its checksum is right and this emulator's ID
 * service minted it; the `dna` check passes when the given `dnaId` is the DNA record of that
 * entity, or is skipped (passed, `skipped: true`) when no `dnaId` is given. `verified` is true
 * only when every check passed. Each verification is stored for the state dump.
 */
import { z } from 'zod';
import { createServiceApp, readBody } from '../http';
import { nowIso, randomHex } from '../store';
import { checkChittyId } from './id';

interface Check {
  name: 'chittyid' | 'dna';
  passed: boolean;
  skipped?: true;
}

const ContextBody = z.object({
  chittyId: z.string(),
  dnaId: z.string().min(1).optional(),
});

export const verifyApp = createServiceApp('verify');

verifyApp.post('/v1/verify/context', async (c) => {
  const body = await readBody(c, ContextBody);
  if (body instanceof Response) return body;
  const db = c.env.EMU_DB;
  const idCheck = await checkChittyId(db, body.chittyId);
  const checks: Check[] = [{ name: 'chittyid', passed: idCheck.valid }];
  if (body.dnaId === undefined) {
    checks.push({ name: 'dna', passed: true, skipped: true });
  } else {
    const dna = await db.prepare('SELECT dna_id FROM dna WHERE entity_id = ?').bind(body.chittyId).first<{ dna_id: string }>();
    checks.push({ name: 'dna', passed: dna?.dna_id === body.dnaId });
  }
  const verified = checks.every((check) => check.passed);
  const verificationId = `vrf_${randomHex(12)}`;
  await db
    .prepare('INSERT INTO verifications (verification_id, chitty_id, dna_id, verified, checks, at) VALUES (?, ?, ?, ?, ?, ?)')
    .bind(verificationId, body.chittyId, body.dnaId ?? null, verified ? 1 : 0, JSON.stringify(checks), nowIso())
    .run();
  return Response.json({ verificationId, verified, checks });
});
