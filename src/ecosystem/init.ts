/**
 * ChittyConnect's own place in the ecosystem, set up once: mint → DNA → keys → register → verify
 * → certify → store → log. Each step degrades gracefully (a failure is recorded and the rest go
 * on where they can), and finished steps are kept in D1 so a later start, or the cron sweep,
 * resumes with what is missing instead of minting a second identity.
 */
import type { Logger } from '../lib/log';
import type { EcosystemClient } from './client';
import { EcosystemError, EcosystemRejectedError } from './errors';

export const INIT_STEPS = ['mint', 'dna', 'keys', 'register', 'verify', 'certify', 'store', 'log'] as const;
export type InitStep = (typeof INIT_STEPS)[number];

export interface StepRecord {
  status: 'pending' | 'done' | 'failed' | 'skipped';
  at?: string;
  /** Why it failed or was skipped; never contains secrets. */
  reason?: string;
}

export interface InitState {
  state: 'pending' | 'running' | 'complete' | 'degraded' | 'failed';
  chittyId?: string;
  startedAt?: string;
  finishedAt?: string;
  steps: Record<InitStep, StepRecord>;
}

export interface InitDeps {
  db: D1Database;
  client: EcosystemClient;
  serviceName: string;
  serviceUrl: string;
  version: string;
  log: Logger;
  now?: () => Date;
}

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

export function pendingState(): InitState {
  const steps = Object.fromEntries(INIT_STEPS.map((s) => [s, { status: 'pending' }])) as Record<InitStep, StepRecord>;
  return { state: 'pending', steps };
}

function describe(err: unknown): string {
  if (err instanceof EcosystemError) return `${err.service} ${err.reason}`;
  if (err instanceof EcosystemRejectedError) return `${err.service} refused (${err.status})`;
  return err instanceof Error ? err.message : 'unknown error';
}

/** Runs (or resumes) the initialisation, updating `state` in place as it goes. */
export async function initializeServiceContext(deps: InitDeps, state: InitState): Promise<InitState> {
  const now = deps.now ?? (() => new Date());
  const { db, client, serviceName } = deps;
  state.state = 'running';
  state.startedAt = now().toISOString();

  const row = await db.prepare('SELECT * FROM service_identity WHERE service_name = ?').bind(serviceName).first<IdentityRow>();
  const identity = {
    chittyId: row?.chitty_id ?? undefined,
    did: row?.did ?? undefined,
    dnaId: row?.dna_id ?? undefined,
    apiKeyId: row?.api_key_id ?? undefined,
    registryId: row?.registry_id ?? undefined,
    verificationId: row?.verification_id ?? undefined,
    certificateId: row?.certificate_id ?? undefined,
  };

  // Everything was done by an earlier start: nothing to store or log again.
  const { did: _did, ...required } = identity;
  const alreadyComplete = Object.values(required).every((v) => v !== undefined);

  const mark = (step: InitStep, status: StepRecord['status'], reason?: string) => {
    state.steps[step] = { status, at: now().toISOString(), ...(reason ? { reason } : {}) };
    const level = status === 'failed' ? 'warn' : 'info';
    deps.log.log(level, 'init.step', { service: serviceName, step, status, reason });
  };

  /** Runs a step unless it is already done; a step that needs the id is skipped without it. */
  const step = async (name: InitStep, done: boolean, run: (chittyId: string) => Promise<void>, needsId = true) => {
    if (done) return mark(name, 'done', 'already done');
    if (needsId && !identity.chittyId) return mark(name, 'skipped', 'needs a ChittyID (mint failed)');
    try {
      await run(identity.chittyId ?? '');
      mark(name, 'done');
    } catch (err) {
      mark(name, 'failed', describe(err));
    }
  };

  const save = () =>
    db
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
        JSON.stringify(state.steps),
        now().toISOString(),
      )
      .run();

  await step(
    'mint',
    identity.chittyId !== undefined,
    async () => {
      // Isolates starting together ask with the same key, so they get the same id.
      const minted = await client.id.mint(
        'CONTEXT',
        { service: serviceName, url: deps.serviceUrl, kind: 'service' },
        `service-init:${serviceName}`,
      );
      identity.chittyId = minted.chittyId;
      identity.did = minted.did;
      // Keep the id at once: a later failure must not lead the next start to mint another.
      await save();
    },
    false,
  );
  state.chittyId = identity.chittyId;

  await step('dna', identity.dnaId !== undefined, async (id) => {
    const record = await client.dna.initialize(id, 'service', { service: serviceName, version: deps.version });
    identity.dnaId = record.dnaId;
  });
  await step('keys', identity.apiKeyId !== undefined, async (id) => {
    // The key's secret is not kept: ChittyConnect authenticates with its service tokens. The id
    // is recorded so the key can be found and revoked in ChittyAuth.
    const key = await client.auth.provisionKey(id, ['service'], serviceName);
    identity.apiKeyId = key.keyId;
  });
  await step('register', identity.registryId !== undefined, async (id) => {
    const reg = await client.registry.register({
      name: serviceName,
      url: deps.serviceUrl,
      chittyId: id,
      version: deps.version,
      capabilities: ['contexts', 'actors', 'connections', 'delegation', 'github-app'],
    });
    identity.registryId = reg.serviceId;
  });
  await step('verify', identity.verificationId !== undefined, async (id) => {
    const result = await client.verify.context(id, identity.dnaId);
    if (!result.verified) {
      const failed = result.checks.filter((c) => !c.passed).map((c) => c.name);
      throw new Error(`verification failed: ${failed.join(', ') || 'no reason given'}`);
    }
    identity.verificationId = result.verificationId;
  });
  await step('certify', identity.certificateId !== undefined, async (id) => {
    const cert = await client.certify.certify(id);
    identity.certificateId = cert.certificateId;
  });
  await step('store', alreadyComplete, async () => {
    await save();
  });
  await step('log', alreadyComplete, async (id) => {
    const failed = INIT_STEPS.filter((s) => state.steps[s].status === 'failed');
    await client.chronicle.log({
      eventType: 'chittyconnect.initialized',
      entityId: id,
      eventId: crypto.randomUUID(),
      data: { version: deps.version, failedSteps: failed },
    });
  });

  const statuses = INIT_STEPS.map((s) => state.steps[s].status);
  state.state = !identity.chittyId ? 'failed' : statuses.every((s) => s === 'done') ? 'complete' : 'degraded';
  state.finishedAt = now().toISOString();
  return state;
}
