/**
 * The ChittyID canon: `VV-G-LLL-SSSS-T-YM-C-X`, e.g. `01-C-ACT-4829-PEO-Q5-3-0`.
 *
 * ChittyConnect never mints ids (the authority does), so this module only reads them: the routes
 * check an id's shape before asking the authority about it. The canon calls the check digit `C`
 * "Luhn-based, implementation-defined" and has the authority verify it; `hasValidChecksum` is the
 * reading we document (docs/ecosystem.md) and the emulated authority implements on its own: a
 * Luhn mod-10 over the decimal digits of the base-36 values of every character before it.
 */

export const GENERATIONS = ['C', 'E'] as const;
export const LIFECYCLES = ['ACT', 'EMG', 'MTR', 'EXP', 'ARC'] as const;
export const ENTITY_TYPES = ['PEO', 'PLACE', 'PROP', 'EVNT', 'AUTH', 'INFO', 'FACT', 'CONTEXT', 'ACTOR'] as const;

export type EntityType = (typeof ENTITY_TYPES)[number];

export interface ChittyIdParts {
  version: string;
  generation: (typeof GENERATIONS)[number];
  lifecycle: (typeof LIFECYCLES)[number];
  sequence: string;
  entityType: EntityType;
  yearMonth: string;
  checksum: string;
  extension: string;
}

const SHAPE =
  /^(\d{2})-([CE])-(ACT|EMG|MTR|EXP|ARC)-(\d{4})-(PEO|PLACE|PROP|EVNT|AUTH|INFO|FACT|CONTEXT|ACTOR)-([0-9A-Z]{2})-(\d)-([0-9A-Z])$/;

/** Luhn mod-10 check digit over the base-36 values of `body`'s characters. */
export function checksumOf(body: string): string {
  const digits: number[] = [];
  for (const ch of body.toUpperCase()) {
    const value = Number.parseInt(ch, 36);
    if (Number.isNaN(value)) continue;
    for (const d of String(value)) digits.push(Number(d));
  }
  let sum = 0;
  // Double every second digit from the right, as Luhn does (the check digit will sit to the right).
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits[i] ?? 0;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** The part of an id the checksum covers: everything before `C`. */
function checksumBody(p: ChittyIdParts): string {
  return `${p.version}${p.generation}${p.lifecycle}${p.sequence}${p.entityType}${p.yearMonth}`;
}

/** Splits a ChittyID into its parts, or returns null when its shape is wrong. */
export function parseChittyId(id: string): ChittyIdParts | null {
  const m = SHAPE.exec(id);
  if (!m) return null;
  const [, version, generation, lifecycle, sequence, entityType, yearMonth, checksum, extension] = m;
  return {
    version: version as string,
    generation: generation as ChittyIdParts['generation'],
    lifecycle: lifecycle as ChittyIdParts['lifecycle'],
    sequence: sequence as string,
    entityType: entityType as EntityType,
    yearMonth: yearMonth as string,
    checksum: checksum as string,
    extension: extension as string,
  };
}

/** True when `id` has the canonical shape and its checksum matches. */
export function hasValidChecksum(id: string): boolean {
  const p = parseChittyId(id);
  return p !== null && checksumOf(checksumBody(p)) === p.checksum;
}
