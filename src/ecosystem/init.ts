/**
 * ChittyConnect's own place in the ecosystem, set up once: mint → DNA → keys → register → verify
 * → certify → store → log. Each step degrades gracefully (a failure is recorded and the rest go
 * on where they can), and finished steps are kept in D1 so a later start, or the cron sweep,
 * resumes with what is missing instead of minting a second identity.
 */
import type { Logger } from '../lib/log';
import type { EcosystemClient } from './client';
import { EcosystemError, EcosystemRejectedError } from './errors';
import { type Identity, loadIdentity, saveIdentity } from './store';

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

export function pendingState(): InitState {
  const steps = Object.fromEntries(INIT_STEPS.map((s) => [s, { status: 'pending' }])) as Record<InitStep, StepRecord>;
  return { state: 'pending', steps };
}

function describe(err: unknown): string {
  if (err instanceof EcosystemError) return `${err.service} ${err.reason}`;
  if (err instanceof EcosystemRejectedError) return `${err.service} refused (${err.status})`;
  return err instanceof Error ? err.message : 'unknown error';
}

/** What every step sees: the dependencies, the identity so far, the state, and a way to keep the identity. */
interface Run {
  deps: InitDeps;
  identity: Identity;
  state: InitState;
  /** Everything was done by an earlier start: nothing to store or log again. */
  alreadyComplete: boolean;
  save: () => Promise<unknown>;
}

interface Step {
  name: InitStep;
  isDone: (r: Run) => boolean;
  /** Given the ChittyID (empty for a step that does not need one). */
  run: (r: Run, chittyId: string) => Promise<void>;
  /** False for the one step that makes the id; every other is skipped without it. */
  needsId?: false;
}

/** The steps, in order (INIT_STEPS lists the same names for the health report). */
const STEPS: Step[] = [
  {
    name: 'mint',
    needsId: false,
    isDone: (r) => r.identity.chittyId !== undefined,
    async run({ deps, identity, save }) {
      // Isolates starting together ask with the same key, so they get the same id.
      const minted = await deps.client.id.mint(
        'CONTEXT',
        { service: deps.serviceName, url: deps.serviceUrl, kind: 'service' },
        `service-init:${deps.serviceName}`,
      );
      identity.chittyId = minted.chittyId;
      identity.did = minted.did;
      // Keep the id at once: a later failure must not lead the next start to mint another.
      await save();
    },
  },
  {
    name: 'dna',
    isDone: (r) => r.identity.dnaId !== undefined,
    async run({ deps, identity }, id) {
      const record = await deps.client.dna.initialize(id, 'service', { service: deps.serviceName, version: deps.version });
      identity.dnaId = record.dnaId;
    },
  },
  {
    name: 'keys',
    isDone: (r) => r.identity.apiKeyId !== undefined,
    async run({ deps, identity }, id) {
      // The key's secret is not kept: ChittyConnect authenticates with its service tokens. The id
      // is recorded so the key can be found and revoked in ChittyAuth.
      const key = await deps.client.auth.provisionKey(id, ['service'], deps.serviceName);
      identity.apiKeyId = key.keyId;
    },
  },
  {
    name: 'register',
    isDone: (r) => r.identity.registryId !== undefined,
    async run({ deps, identity }, id) {
      const reg = await deps.client.registry.register({
        name: deps.serviceName,
        url: deps.serviceUrl,
        chittyId: id,
        version: deps.version,
        capabilities: ['contexts', 'actors', 'connections', 'delegation', 'github-app'],
      });
      identity.registryId = reg.serviceId;
    },
  },
  {
    name: 'verify',
    isDone: (r) => r.identity.verificationId !== undefined,
    async run({ deps, identity }, id) {
      const result = await deps.client.verify.context(id, identity.dnaId);
      if (!result.verified) {
        const failed = result.checks.filter((c) => !c.passed).map((c) => c.name);
        throw new Error(`verification failed: ${failed.join(', ') || 'no reason given'}`);
      }
      identity.verificationId = result.verificationId;
    },
  },
  {
    name: 'certify',
    isDone: (r) => r.identity.certificateId !== undefined,
    async run({ deps, identity }, id) {
      const cert = await deps.client.certify.certify(id);
      identity.certificateId = cert.certificateId;
    },
  },
  { name: 'store', isDone: (r) => r.alreadyComplete, run: async ({ save }) => void (await save()) },
  {
    name: 'log',
    isDone: (r) => r.alreadyComplete,
    async run({ deps, state }, id) {
      const failed = INIT_STEPS.filter((s) => state.steps[s].status === 'failed');
      await deps.client.chronicle.log({
        eventType: 'chittyconnect.initialized',
        entityId: id,
        eventId: crypto.randomUUID(),
        data: { version: deps.version, failedSteps: failed },
      });
    },
  },
];

/** Runs (or resumes) the initialisation, updating `state` in place as it goes. */
export async function initializeServiceContext(deps: InitDeps, state: InitState): Promise<InitState> {
  const now = deps.now ?? (() => new Date());
  state.state = 'running';
  state.startedAt = now().toISOString();
  const identity = await loadIdentity(deps.db, deps.serviceName);
  const { did: _did, ...required } = identity;
  const run: Run = {
    deps,
    identity,
    state,
    alreadyComplete: Object.values(required).every((v) => v !== undefined),
    save: () => saveIdentity(deps.db, deps.serviceName, identity, state.steps, now()),
  };
  const mark = (step: InitStep, status: StepRecord['status'], reason?: string) => {
    state.steps[step] = { status, at: now().toISOString(), ...(reason ? { reason } : {}) };
    deps.log.log(status === 'failed' ? 'warn' : 'info', 'init.step', { service: deps.serviceName, step, status, reason });
  };

  for (const step of STEPS) {
    if (step.isDone(run)) mark(step.name, 'done', 'already done');
    else if (step.needsId !== false && !identity.chittyId) mark(step.name, 'skipped', 'needs a ChittyID (mint failed)');
    else {
      try {
        await step.run(run, identity.chittyId ?? '');
        mark(step.name, 'done');
      } catch (err) {
        mark(step.name, 'failed', describe(err));
      }
    }
    state.chittyId = identity.chittyId;
  }

  const statuses = INIT_STEPS.map((s) => state.steps[s].status);
  state.state = !identity.chittyId ? 'failed' : statuses.every((s) => s === 'done') ? 'complete' : 'degraded';
  state.finishedAt = now().toISOString();
  return state;
}
