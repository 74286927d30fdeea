/**
 * Capability matching. A capability is a string such as `contexts:read`. A held capability
 * covers a wanted one when they are equal, when the held one is `<prefix>:*` and the wanted one
 * starts with `<prefix>:`, or when the held one is `admin` (which covers everything).
 */

export const ADMIN = 'admin';

export function covers(held: readonly string[], wanted: string): boolean {
  for (const h of held) {
    if (h === ADMIN || h === wanted) return true;
    if (h.endsWith(':*') && wanted.startsWith(h.slice(0, -1))) return true;
  }
  return false;
}

/** Every wanted capability is covered by the held ones. */
export function coversAll(held: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((w) => covers(held, w));
}

/** The wanted capabilities the held ones do not cover. */
export function missing(held: readonly string[], wanted: readonly string[]): string[] {
  return wanted.filter((w) => !covers(held, w));
}

/** Narrows `capabilities` to what `scopes` allow: each scope kept only if the capabilities cover it. */
export function narrow(capabilities: readonly string[], scopes: readonly string[]): string[] {
  return scopes.filter((s) => covers(capabilities, s));
}

/**
 * What every registered actor holds over its own things, on top of its granted capabilities.
 * A full ChittyAuth session carries all of them; an API key or a delegation token carries only
 * those it was given as scopes. So "it is my context" is never enough on its own: the credential
 * must also carry the scope for what it is doing.
 */
export const OWNER_SCOPES = [
  'profile:read',
  'profile:write',
  'contexts:read',
  'contexts:write',
  'connections:read',
  'connections:write',
  'connections:use',
  'keys:manage',
  'delegations:manage',
] as const;

/** An actor's granted capabilities plus the owner scopes. */
export function effectiveCapabilities(granted: readonly string[]): string[] {
  return [...new Set([...granted, ...OWNER_SCOPES])];
}
