/** Actors for tests: a ChittyAuth principal in the emulator, optionally registered with ChittyConnect. */
import { createActor } from './emulator';
import { get } from './worker';

export interface TestActor {
  token: string;
  principalId: string;
  /** The ChittyConnect ChittyID (after registration). */
  chittyId: string;
  auth: Record<string, string>;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export async function call(path: string, token: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, headers, ...rest } = init;
  return get(path, {
    ...rest,
    headers: {
      ...bearer(token),
      ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(headers as Record<string, string>),
    },
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
}

/** A ChittyAuth principal registered as a ChittyConnect actor. */
export async function registeredActor(
  type: 'human' | 'ai' | 'service' | 'system' = 'human',
  capabilities: string[] = [],
  profile: Record<string, unknown> = {},
): Promise<TestActor> {
  const principal = await createActor(type, capabilities);
  const res = await call('/v1/actors/register', principal.token, { method: 'POST', json: profile });
  if (res.status !== 201) throw new Error(`register → ${res.status}: ${await res.text()}`);
  const actor = (await res.json()) as { chittyId: string };
  return { token: principal.token, principalId: principal.chittyId, chittyId: actor.chittyId, auth: bearer(principal.token) };
}
