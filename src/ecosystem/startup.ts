/**
 * The per-isolate side of initialisation: the first request starts it in the background (it
 * never blocks a request), `/health` reads its state, and the cron sweep resumes it when a step
 * failed.
 */
import type { Env } from '../env';
import { consoleLogger } from '../lib/log';
import { VERSION } from '../version';
import { ecosystemFromEnv } from './from-env';
import { type InitState, initializeServiceContext, pendingState } from './init';

const state: InitState = pendingState();
let running: Promise<InitState> | null = null;

export function initState(): Readonly<InitState> {
  return state;
}

function run(env: Env): Promise<InitState> {
  // Built inside the chain, so an invalid var (config.ts) fails the initialisation, not the request that started it.
  running ??= Promise.resolve()
    .then(() =>
      initializeServiceContext(
        {
          db: env.DB,
          client: ecosystemFromEnv(env),
          serviceName: env.SERVICE_NAME,
          serviceUrl: env.SERVICE_URL,
          version: VERSION,
          log: consoleLogger,
        },
        state,
      ),
    )
    .catch((err: unknown) => {
      // Only D1 itself failing, or an invalid var, gets here; every ecosystem step records its own failure.
      state.state = 'failed';
      consoleLogger.log('error', 'init.crashed', { error: err instanceof Error ? err.message : String(err) });
      return state;
    })
    .finally(() => {
      running = null;
    });
  return running;
}

/** Starts initialisation once per isolate, in the background. */
export function startEcosystemInit(env: Env, waitUntil: (p: Promise<unknown>) => void): void {
  if (state.state === 'pending' && !running) waitUntil(run(env));
}

/** Resumes an initialisation that did not complete (cron); resolves when it has finished. */
export function resumeEcosystemInit(env: Env): Promise<InitState> {
  if (running) return running;
  if (state.state === 'complete') return Promise.resolve(state);
  return run(env);
}
