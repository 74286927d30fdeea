/**
 * Inline suppression, in any comment syntax (`//`, `#`, `--`, `/* … *\/`, `<!-- … -->`):
 *   chittyconnect-ignore [rule-id[, rule-id…]] [-- reason]             on the line itself
 *   chittyconnect-ignore-next-line [rule-id[, rule-id…]] [-- reason]   on the line before
 * Without rule ids, every rule is silenced there. A rule id may be a prefix ending in `.*`
 * (`js.*`) or a class name (`secrets`).
 */
import type { Finding } from './types';

const DIRECTIVE = /chittyconnect-ignore(-next-line)?\b([^\n]*)/;

interface Directive {
  nextLine: boolean;
  /** Empty: every rule. */
  rules: string[];
}

export function parseDirective(text: string): Directive | null {
  const m = DIRECTIVE.exec(text);
  if (!m) return null;
  const rest = (m[2] ?? '').split(/\s--\s|\*\/|-->/)[0] ?? '';
  const rules = rest
    .split(/[\s,]+/)
    .map((r) => r.trim())
    .filter((r) => /^[a-z][a-z0-9-]*(\.[a-z0-9*][a-z0-9-]*)*(\.\*)?$/.test(r));
  return { nextLine: m[1] !== undefined, rules };
}

/** Whether `pattern` (a rule id, `prefix.*` or a class name) names the finding. */
export function ruleMatches(pattern: string, f: Pick<Finding, 'ruleId' | 'class'>): boolean {
  if (pattern === f.ruleId || pattern === f.class) return true;
  return pattern.endsWith('.*') && f.ruleId.startsWith(pattern.slice(0, -1));
}

/** Whether a comment at the finding's line (or the line before it) silences it. */
export function isSuppressed(f: Pick<Finding, 'ruleId' | 'class' | 'line'>, lines: ReadonlyMap<number, string>): boolean {
  const same = lines.get(f.line);
  const sameDirective = same === undefined ? null : parseDirective(same);
  if (sameDirective && !sameDirective.nextLine && covers(sameDirective, f)) return true;
  const before = lines.get(f.line - 1);
  const beforeDirective = before === undefined ? null : parseDirective(before);
  return beforeDirective?.nextLine === true && covers(beforeDirective, f);
}

const covers = (d: Directive, f: Pick<Finding, 'ruleId' | 'class'>) => d.rules.length === 0 || d.rules.some((r) => ruleMatches(r, f));
