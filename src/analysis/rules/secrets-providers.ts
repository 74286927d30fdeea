/**
 * How a provider token format (secrets-formats.ts) is described and run: a cheap substring test
 * (`needles`, or a word the file must mention), then a bounded regex, then `accept`, which rules
 * out documentation keys and look-alikes (by default: obvious fakes).
 */
import type { Severity, SourceFile } from '../types';
import { looksFake } from './secrets-values';
import { around } from './util';

export interface Hit {
  /** The credential as found (never shown: messages redact it). */
  value: string;
  file: SourceFile;
  line: number;
  text: string;
}

export interface ProviderFormat {
  id: string;
  title: string;
  /** What the message calls it: "AWS access key id". */
  label: string;
  severity: Severity;
  fix: string;
  example: string;
  /** At least one must occur in the line (case-sensitive) before the regex runs; empty: no line test. */
  needles: readonly string[];
  /** The file (its path or a line the diff shows) must mention this, e.g. /twilio/i. */
  fileNeedle?: RegExp;
  /** Global regex; group 1 (or the whole match) is the credential. */
  re: RegExp;
  /** The message's name for a particular token, when one rule covers several providers. */
  labelOf?: (value: string) => string;
  /** False to drop the hit; a severity to change it. Default: drop obvious fakes. */
  accept?: (hit: Hit) => boolean | Severity;
}

/** Whether `word` occurs in the path or within `lines` lines of the hit. */
export const mentionsNear = (hit: Hit, word: RegExp, lines = 5) =>
  word.test(hit.file.path) || word.test(around(hit.file, hit.line, lines, lines));
/** Not an obvious fake (documentation key, `xxxx`, repeated or sequential characters). */
export const real = (hit: Hit) => !KNOWN_EXAMPLES.has(hit.value) && !looksFake(hit.value, hit.file.isTest);

/** Sample credentials printed in providers' own documentation (not live, copied into many READMEs). */
const KNOWN_EXAMPLES = new Set([
  'ghp_16C7e42F292c6912E7710c838347Ae178B4a', // GitHub docs
  'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy', // Slack docs
  'AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe', // Google Maps docs
]);

/** The first part of a Discord bot token is the bot's user id (a snowflake) in base64. */
export function isSnowflake(b64: string): boolean {
  try {
    return /^\d{17,20}$/.test(atob(b64.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return false;
  }
}

const mentioned = new WeakMap<SourceFile, Map<string, boolean>>();

/** Whether the file's path or any line the diff shows matches `re` (computed once per file). */
function mentions(file: SourceFile, re: RegExp): boolean {
  let byRe = mentioned.get(file);
  if (!byRe) {
    byRe = new Map();
    mentioned.set(file, byRe);
  }
  let yes = byRe.get(re.source);
  if (yes === undefined) {
    yes = re.test(file.path) || [...file.lines.values()].some((l) => re.test(l));
    byRe.set(re.source, yes);
  }
  return yes;
}

export interface ProviderHit {
  value: string;
  label: string;
  column: number;
  severity: Severity;
  /** A documentation key or an obvious fake: not reported, and the generic rule leaves it alone too. */
  rejected: boolean;
}

/** Runs one format over a line (the caller has checked that some needle may be on it); returns every match, rejected ones marked. */
export function providerHits(format: ProviderFormat, file: SourceFile, line: number, text: string): ProviderHit[] {
  const out: ProviderHit[] = [];
  if (format.needles.length > 0 && !format.needles.some((n) => text.includes(n))) return out;
  if (format.fileNeedle && !mentions(file, format.fileNeedle)) return out;
  format.re.lastIndex = 0;
  for (let m = format.re.exec(text); m !== null; m = format.re.exec(text)) {
    const value = m[1] ?? m[2] ?? m[0];
    const verdict = (format.accept ?? real)({ value, file, line, text });
    out.push({
      value,
      label: format.labelOf?.(value) ?? format.label,
      column: m.index + 1,
      severity: typeof verdict === 'boolean' ? format.severity : verdict,
      rejected: verdict === false,
    });
  }
  return out;
}
