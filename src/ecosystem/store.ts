/** SQL for the service's own identity in the ecosystem (`service_identity`), kept by init.ts. */

interface IdentityRow {
  chitty_id: string | null;
  did: string | null;
  dna_id: string | null;
  api_key_id: string | null;
  registry_id: string | null;
  verification_id: string | null;
  certificate_id: string | null;
  steps: string;
}

/** The ids the set-up steps obtained so far. */
export interface Identity {
  chittyId?: string | undefined;
  did?: string | undefined;
  dnaId?: string | undefined;
  apiKeyId?: string | undefined;
  registryId?: string | undefined;
  verificationId?: string | undefined;
  certificateId?: string | undefined;
}

export async function loadIdentity(db: D1Database, serviceName: string): Promise<Identity> {
  const row = await db.prepare('SELECT * FROM service_identity WHERE service_name = ?').bind(serviceName).first<IdentityRow>();
  return {
    chittyId: row?.chitty_id ?? undefined,
    did: row?.did ?? undefined,
    dnaId: row?.dna_id ?? undefined,
    apiKeyId: row?.api_key_id ?? undefined,
    registryId: row?.registry_id ?? undefined,
    verificationId: row?.verification_id ?? undefined,
    certificateId: row?.certificate_id ?? undefined,
  };
}

/** Keeps the identity and the steps' records (JSON), inserting the row or updating it. */
export function saveIdentity(db: D1Database, serviceName: string, identity: Identity, steps: unknown, at: Date) {
  return db
    .prepare(
      `INSERT INTO service_identity (service_name, chitty_id, did, dna_id, api_key_id, registry_id, verification_id,
         certificate_id, steps, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
       ON CONFLICT (service_name) DO UPDATE SET chitty_id = ?2, did = ?3, dna_id = ?4, api_key_id = ?5,
         registry_id = ?6, verification_id = ?7, certificate_id = ?8, steps = ?9, updated_at = ?10`,
    )
    .bind(
      serviceName,
      identity.chittyId ?? null,
      identity.did ?? null,
      identity.dnaId ?? null,
      identity.apiKeyId ?? null,
      identity.registryId ?? null,
      identity.verificationId ?? null,
      identity.certificateId ?? null,
      JSON.stringify(steps),
      at.toISOString(),
    )
    .run();
}
