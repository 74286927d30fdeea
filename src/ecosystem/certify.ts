/** ChittyCertify: compliance certificates (`chittyos-v1`, `mcp-2024-11-05`). */
import { z } from 'zod';
import type { Transport } from './transport';

export const COMPLIANCE = ['chittyos-v1', 'mcp-2024-11-05'] as const;

const certificate = z
  .object({ certificateId: z.string(), chittyId: z.string().optional(), expiresAt: z.string().optional() })
  .passthrough();

export function certifyService(t: Transport) {
  return {
    /** Issues a new certificate each time, so it is sent once. */
    certify(chittyId: string, compliance: readonly string[] = COMPLIANCE) {
      return t.call({
        service: 'certify',
        method: 'POST',
        path: '/v1/certify',
        body: { chittyId, compliance },
        idempotent: false,
        schema: certificate,
      });
    },
  };
}
