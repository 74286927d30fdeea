/** ChittyDNA: the lineage of every entity — initialised once, evolved on every change. */
import { z } from 'zod';
import type { Transport } from './transport';

const record = z.object({ dnaId: z.string(), entityId: z.string().optional(), generation: z.number().optional() }).passthrough();
const history = z
  .object({
    entityId: z.string(),
    dnaId: z.string(),
    generation: z.number().optional(),
    history: z.array(z.object({}).passthrough()),
  })
  .passthrough();

export interface Mutation {
  type: string;
  data?: Record<string, unknown>;
}

export function dnaService(t: Transport) {
  return {
    /** Initialising an entity twice returns the existing record, so this is safe to retry. */
    initialize(entityId: string, entityType: string, genesis: Record<string, unknown> = {}) {
      return t.call({
        service: 'dna',
        method: 'POST',
        path: '/v1/dna/initialize',
        body: { entityId, entityType, genesis },
        idempotent: true,
        schema: record,
      });
    },
    /** With an event id the service applies a mutation once, so it may be retried; without, it is sent once. */
    evolve(entityId: string, mutation: Mutation, eventId?: string) {
      return t.call({
        service: 'dna',
        method: 'POST',
        path: '/v1/dna/evolve',
        body: { entityId, mutation, eventId },
        idempotent: eventId !== undefined,
        schema: record,
      });
    },
    history(entityId: string) {
      return t.call({ service: 'dna', method: 'GET', path: `/v1/dna/${encodeURIComponent(entityId)}/history`, schema: history });
    },
  };
}
