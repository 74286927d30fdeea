/**
 * Issue types ↔ the labels a repository already has. Repositories name the same idea many ways
 * (`enhancement`, `type: feature`, `kind/feature`, `🐛 bug`); matching ignores case, emoji,
 * separators and the usual `type:`/`kind/` prefixes, and knows the common synonyms.
 */
import type { IssueType } from './types';

/** Synonyms per type, in the order a new label would be named (the first is the default name). */
export const LABEL_SYNONYMS: Readonly<Record<IssueType, readonly string[]>> = {
  bug: ['bug', 'defect', 'bug report', 'type bug', 'confirmed bug', 'regression', 'crash'],
  feature: ['enhancement', 'feature', 'feature request', 'new feature', 'improvement', 'request', 'proposal', 'idea', 'rfc'],
  question: ['question', 'support', 'usage', 'usage question', 'help', 'how to', 'howto', 'faq', 'discussion'],
  docs: ['documentation', 'docs', 'doc', 'readme', 'typo'],
  security: ['security', 'vulnerability', 'security issue', 'vuln', 'cve'],
  performance: ['performance', 'perf', 'speed', 'slow', 'memory', 'optimization', 'optimisation'],
};

const PREFIX = /^(type|kind|t|category|cat|area|issue|issue type|is|label)\s*[:/\-_ ]\s*/;

/** A label name reduced to comparable words: `Type: Feature Request 🚀` → `feature request`. */
export function normalizeLabel(name: string): string {
  const words = name
    .toLowerCase()
    .replace(/[^\p{L}\p{N}:/\-_ ]+/gu, ' ')
    .trim()
    .replace(PREFIX, '')
    .replace(/[:/\-_]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return words;
}

/** The type a label name stands for, or null (`help wanted` and `good first issue` stand for none). */
export function typeOfLabel(name: string): IssueType | null {
  const n = normalizeLabel(name);
  if (n === '' || n === 'help wanted') return null;
  for (const [type, names] of Object.entries(LABEL_SYNONYMS) as [IssueType, readonly string[]][]) if (names.includes(n)) return type;
  return null;
}

/**
 * Maps wanted types onto the repository's existing labels. `overrides` (the repo config's label
 * names) win; otherwise an existing label with a synonym's name is used, the most canonical first.
 * Returns the existing names to apply and, for types with no label, the name to create.
 */
export function mapLabels(
  wanted: readonly IssueType[],
  existing: readonly string[],
  overrides?: Partial<Record<IssueType, string>>,
): { apply: string[]; missing: { type: IssueType; name: string }[] } {
  const apply: string[] = [];
  const missing: { type: IssueType; name: string }[] = [];
  const byExact = new Map(existing.map((name) => [name.trim().toLowerCase(), name]));
  const byNormal = new Map<string, string>();
  for (const name of existing) {
    const n = normalizeLabel(name);
    if (!byNormal.has(n)) byNormal.set(n, name);
  }
  for (const type of new Set(wanted)) {
    const override = overrides?.[type]?.trim();
    const found = override
      ? byExact.get(override.toLowerCase())
      : LABEL_SYNONYMS[type].map((synonym) => byNormal.get(synonym)).find((name) => name !== undefined);
    if (found) {
      if (!apply.includes(found)) apply.push(found);
    } else missing.push({ type, name: override || (LABEL_SYNONYMS[type][0] as string) });
  }
  return { apply, missing };
}
