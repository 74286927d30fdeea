/** ChittyVerify: integrity checks of a context (its id, its DNA). */
import { z } from 'zod';
import type { Transport } from './transport';

const verification = z
  .object({
    verificationId: z.string(),
    verified: z.boolean(),
    checks: z.array(z.object({ name: z.string(), passed: z.boolean() }).passthrough()).default([]),
  })
  .passthrough();

export type Verification = z.infer<typeof verification>;

export function verifyService(t: Transport) {
  return {
    /** A check changes nothing, so it is safe to retry. */
    context(chittyId: string, dnaId?: string): Promise<Verification> {
      return t.call({
        service: 'verify',
        method: 'POST',
        path: '/v1/verify/context',
        body: { chittyId, dnaId },
        idempotent: true,
        schema: verification,
      });
    },
  };
}
