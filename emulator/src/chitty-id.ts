/**
 * The emulated authority's own ChittyID arithmetic, written from the format's description
 * (`VV-G-LLL-SSSS-T-YM-C-X`, ../shared/SPEC.md and the authority's published canon) and nothing
 * else: the emulator stands in for an outside service, so it shares no code with ChittyConnect.
 *
 * The canon leaves the check character "Luhn-based, implementation-defined". This authority's
 * choice: spell every character of `VV G LLL SSSS T YM` (hyphens dropped) as the decimal digits
 * of its base-36 value (`7` → 7, `C` → 12, `Q` → 26), and append the Luhn mod-10 check digit of
 * that digit string. Worked example (the one docs/ecosystem.md prints): `01CACT4829PEOQ5` spells
 * `0 1 12 10 12 29 4 8 2 9 25 14 24 26 5`, whose Luhn digit is 3, so `01-C-ACT-4829-PEO-Q5-3-0`.
 */

export const ID_ENTITY_TYPES = ['PEO', 'PLACE', 'PROP', 'EVNT', 'AUTH', 'INFO', 'FACT', 'CONTEXT', 'ACTOR'] as const;
export type IdEntityType = (typeof ID_ENTITY_TYPES)[number];

const CANON =
  /^(?<vv>\d{2})-(?<g>[CE])-(?<lll>ACT|EMG|MTR|EXP|ARC)-(?<ssss>\d{4})-(?<t>PEO|PLACE|PROP|EVNT|AUTH|INFO|FACT|CONTEXT|ACTOR)-(?<ym>[0-9A-Z]{2})-(?<c>\d)-(?<x>[0-9A-Z])$/;

/** The characters the check digit covers, in order, for an id split into its eight fields. */
function coveredText(fields: readonly string[]): string {
  return fields.slice(0, 6).join('');
}

/** Luhn mod-10 over the decimal spelling of each character's base-36 value. */
export function luhnDigitFor(text: string): number {
  const spelled = Array.from(text.toUpperCase(), (ch) => {
    const value = Number.parseInt(ch, 36);
    if (Number.isNaN(value)) throw new Error(`not a base-36 character: ${JSON.stringify(ch)}`);
    return value.toString(10);
  }).join('');
  let total = 0;
  // The check digit will stand to the right, so counting from the right the 1st, 3rd, 5th… digit is doubled.
  const reversed = Array.from(spelled).reverse();
  reversed.forEach((char, position) => {
    const digit = Number(char);
    const weighted = position % 2 === 0 ? digit * 2 : digit;
    total += weighted > 9 ? weighted - 9 : weighted;
  });
  return (10 - (total % 10)) % 10;
}

/** True when the id has the canonical shape; says nothing about its check digit. */
export function isCanonicalShape(id: string): boolean {
  return CANON.test(id);
}

/** True when the id has the canonical shape and its check digit is right. */
export function checkDigitMatches(id: string): boolean {
  if (!CANON.test(id)) return false;
  const fields = id.split('-');
  return String(luhnDigitFor(coveredText(fields))) === fields[6];
}

/** `YM`: the last base-36 digit of (year − 2000), then the month 1–12 in base 36 (May 2026 → `Q5`). */
export function yearMonthCode(at: Date): string {
  const years = (at.getUTCFullYear() - 2000).toString(36);
  const month = (at.getUTCMonth() + 1).toString(36);
  return `${years.at(-1) ?? '0'}${month}`.toUpperCase();
}

/** A new id as this authority issues them: version 01, generation C, lifecycle ACT, extension 0. */
export function issueId(entityType: IdEntityType, sequence: number, at: Date): string {
  const fields = ['01', 'C', 'ACT', String(sequence).padStart(4, '0'), entityType, yearMonthCode(at)];
  return [...fields, String(luhnDigitFor(coveredText(fields))), '0'].join('-');
}

export function didFor(id: string): string {
  return `did:chitty:${id}`;
}
