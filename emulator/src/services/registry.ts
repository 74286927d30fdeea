/**
 * Emulated ChittyRegistry (host `registry.*`). Discovery always lists the seven core services at
 * `https://<name>.chitty.cc` as healthy; services registered through `register` are added to the
 * list, and a registered name replaces the default entry of the same name. Re-registering a name
 * updates it in place (same serviceId and registeredAt) and answers 200 instead of 201.
 */
import { z } from 'zod';
import { createServiceApp, readBody } from '../http';
import { nowIso, randomHex } from '../store';

export const CORE_SERVICES = ['id', 'auth', 'registry', 'dna', 'verify', 'certify', 'chronicle'] as const;

interface DiscoveredService {
  name: string;
  url: string;
  status: 'healthy';
}

const RegisterBody = z.object({
  name: z.string().min(1),
  url: z.url(),
  chittyId: z.string().optional(),
  version: z.string().optional(),
  capabilities: z.array(z.string()).optional(),
});

export const registryApp = createServiceApp('registry');

registryApp.get('/v1/services/discover', async (c) => {
  const { results } = await c.env.EMU_DB.prepare('SELECT name, url FROM services ORDER BY name').all<{
    name: string;
    url: string;
  }>();
  const registered = new Map(results.map((r) => [r.name, r.url]));
  const services: DiscoveredService[] = CORE_SERVICES.map((name) => ({
    name,
    url: registered.get(name) ?? `https://${name}.chitty.cc`,
    status: 'healthy',
  }));
  const core: ReadonlySet<string> = new Set(CORE_SERVICES);
  for (const r of results) {
    if (!core.has(r.name)) services.push({ name: r.name, url: r.url, status: 'healthy' });
  }
  return Response.json({ services });
});

registryApp.post('/v1/services/register', async (c) => {
  const body = await readBody(c, RegisterBody);
  if (body instanceof Response) return body;
  const now = nowIso();
  const candidateId = `svc_${randomHex(8)}`;
  // One upsert statement; an existing row keeps its service_id, so `created` tells a fresh insert apart.
  const row = await c.env.EMU_DB.prepare(
    `INSERT INTO services (name, service_id, url, chitty_id, version, capabilities, registered_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET url = excluded.url, chitty_id = excluded.chitty_id,
       version = excluded.version, capabilities = excluded.capabilities, updated_at = excluded.updated_at
     RETURNING service_id, registered_at, service_id = ? AS created`,
  )
    .bind(
      body.name,
      candidateId,
      body.url,
      body.chittyId ?? null,
      body.version ?? null,
      JSON.stringify(body.capabilities ?? []),
      now,
      now,
      candidateId,
    )
    .first<{ service_id: string; registered_at: string; created: number }>();
  if (!row) throw new Error('register returned no row');
  return Response.json(
    { serviceId: row.service_id, name: body.name, registeredAt: row.registered_at },
    { status: row.created === 1 ? 201 : 200 },
  );
});
