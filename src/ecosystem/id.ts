/** ChittyID, the identity authority: mint, validate, info. ChittyConnect never invents an id. */
import { z } from 'zod';
import type { EntityType } from './chitty-id';
import type { Transport } from './transport';

const minted = z.object({ chittyId: z.string(), did: z.string().optional(), type: z.string().optional() }).passthrough();
const validation = z.object({ chittyId: z.string().optional(), valid: z.boolean(), reason: z.string().optional() }).passthrough();
const info = z
  .object({ chittyId: z.string(), did: z.string().optional(), type: z.string().optional(), metadata: z.unknown().optional() })
  .passthrough();

export type MintedId = z.infer<typeof minted>;
export type IdValidation = z.infer<typeof validation>;

export function idService(t: Transport) {
  return {
    /**
     * Asks the authority for a new id. Not idempotent, so never retried: a failure surfaces and
     * the caller's write fails cleanly. `idempotencyKey` lets an authority that supports it
     * recognise a deliberate retry by the caller.
     */
    mint(type: EntityType, metadata: Record<string, unknown> = {}, idempotencyKey?: string): Promise<MintedId> {
      return t.call({
        service: 'id',
        method: 'POST',
        path: '/v1/mint',
        body: { type, metadata },
        headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : undefined,
        idempotent: false,
        schema: minted,
      });
    },
    validate(chittyId: string): Promise<IdValidation> {
      return t.call({ service: 'id', method: 'POST', path: '/v1/validate', body: { chittyId }, idempotent: true, schema: validation });
    },
    info(chittyId: string) {
      return t.call({ service: 'id', method: 'GET', path: `/v1/${encodeURIComponent(chittyId)}/info`, schema: info });
    },
  };
}
