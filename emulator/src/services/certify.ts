/**
 * Emulated ChittyCertify (host `certify.*`). Issues a compliance certificate for a ChittyID
 * against one or more known compliance profiles (`chittyos-v1`, `mcp-2024-11-05`), valid for 365
 * days from issue. An unknown profile, an empty profile list or a missing chittyId is a 400. The
 * emulator does not check that the id was minted: certification is the caller's decision to ask
 * for, and the fault modes cover the failure paths tests need.
 */
import { z } from 'zod';
import { createServiceApp, readBody } from '../http';
import { randomHex } from '../store';

export const COMPLIANCE_PROFILES = ['chittyos-v1', 'mcp-2024-11-05'] as const;

const VALIDITY_MS = 365 * 24 * 60 * 60 * 1000;

const CertifyBody = z.object({
  chittyId: z.string().min(1),
  compliance: z.array(z.enum(COMPLIANCE_PROFILES)).min(1),
});

export const certifyApp = createServiceApp('certify');

certifyApp.post('/v1/certify', async (c) => {
  const body = await readBody(c, CertifyBody);
  if (body instanceof Response) return body;
  const compliance = [...new Set(body.compliance)];
  const issued = new Date();
  const issuedAt = issued.toISOString();
  const expiresAt = new Date(issued.getTime() + VALIDITY_MS).toISOString();
  const certificateId = `cert_${randomHex(12)}`;
  await c.env.EMU_DB.prepare(
    'INSERT INTO certificates (certificate_id, chitty_id, compliance, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)',
  )
    .bind(certificateId, body.chittyId, JSON.stringify(compliance), issuedAt, expiresAt)
    .run();
  return Response.json({ certificateId, chittyId: body.chittyId, compliance, issuedAt, expiresAt }, { status: 201 });
});
