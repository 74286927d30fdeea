/** ChittyRegistry: registration of ChittyConnect itself (discovery lives in discovery.ts). */
import { z } from 'zod';
import type { Transport } from './transport';

const registered = z.object({ serviceId: z.string(), name: z.string().optional() }).passthrough();

export interface Registration {
  name: string;
  url: string;
  chittyId?: string;
  version?: string;
  capabilities?: string[];
}

export function registryService(t: Transport) {
  return {
    /** Registering the same name again updates it, so this is safe to retry. */
    register(registration: Registration) {
      return t.call({
        service: 'registry',
        method: 'POST',
        path: '/v1/services/register',
        body: registration,
        idempotent: true,
        schema: registered,
      });
    },
  };
}
