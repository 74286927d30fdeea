/**
 * `.github/chittyconnect.yml`: its shape, defaults, and a parser that never throws. The YAML is
 * read with `yaml`'s document API so every problem names its line and column; each setting is
 * validated on its own (zod), so a bad value costs only that setting (it keeps its default) and
 * the rest of the file still applies. Unknown keys are problems too (a typo must not go unseen).
 */
import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import { z } from 'zod';

export const THRESHOLDS = ['critical', 'high', 'medium', 'low', 'never'] as const;
export type Threshold = (typeof THRESHOLDS)[number];
export const ISSUE_TYPES = ['bug', 'feature', 'question', 'docs', 'security', 'performance'] as const;
export type IssueType = (typeof ISSUE_TYPES)[number];
export const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** The file in a repository (and in the organisation's `.github` repository, for `extends: org`). */
export const CONFIG_PATH = '.github/chittyconnect.yml';

/** The configuration with every default filled in (the YAML's own key names). */
export interface RepoConfig {
  analysis: {
    enabled: boolean;
    /** picomatch globs of paths never analysed. */
    ignore_paths: string[];
    /** Rule ids, `prefix.*`, or class names. */
    disabled_rules: string[];
    /** A finding at or above this severity fails the check run. */
    fail_on: Threshold;
    /** At or above this (and below fail_on): the check run's conclusion is neutral. */
    warn_on: Threshold;
    /** Annotations published per check run (GitHub takes 50 per request). */
    max_annotations: number;
  };
  summary: { enabled: boolean };
  triage: {
    enabled: boolean;
    /** Explicit label names per issue type; types not named map onto the repository's labels. */
    labels: Partial<Record<IssueType, string>>;
    create_labels: boolean;
    /** Priority label names, or false for none. `true` in the file means DEFAULT_PRIORITY_LABELS. */
    priority_labels: false | Partial<Record<Priority, string>>;
    duplicates: boolean;
    suggest_assignees: boolean;
  };
  context: { enabled: boolean };
}

export const DEFAULT_PRIORITY_LABELS: Record<Priority, string> = {
  critical: 'priority: critical',
  high: 'priority: high',
  medium: 'priority: medium',
  low: 'priority: low',
};

export const DEFAULT_CONFIG: RepoConfig = {
  analysis: { enabled: true, ignore_paths: [], disabled_rules: [], fail_on: 'high', warn_on: 'medium', max_annotations: 200 },
  summary: { enabled: true },
  triage: { enabled: true, labels: {}, create_labels: false, priority_labels: false, duplicates: true, suggest_assignees: true },
  context: { enabled: true },
};

type Section = keyof RepoConfig;
/** What a file sets: any subset of the settings, and whether it extends the organisation's file. */
export type PartialRepoConfig = { extends?: 'org' } & { [S in Section]?: Partial<RepoConfig[S]> };

export interface ConfigProblem {
  file: string;
  line: number | null;
  column: number | null;
  message: string;
}

/** GitHub's label names: 1–50 characters. */
const labelName = z.string().trim().min(1).max(50, { error: 'a label name has at most 50 characters' });
const globs = z.array(z.string().min(1).max(500)).max(200);

const FIELDS: { [S in Section]: { [K in keyof RepoConfig[S]]-?: z.ZodType } } = {
  analysis: {
    enabled: z.boolean(),
    ignore_paths: globs,
    disabled_rules: globs,
    fail_on: z.enum(THRESHOLDS),
    warn_on: z.enum(THRESHOLDS),
    max_annotations: z.number().int().min(50).max(1000),
  },
  summary: { enabled: z.boolean() },
  triage: {
    enabled: z.boolean(),
    labels: z.partialRecord(z.enum(ISSUE_TYPES), labelName),
    create_labels: z.boolean(),
    priority_labels: z.union([
      z.literal(false),
      z.literal(true).transform(() => DEFAULT_PRIORITY_LABELS),
      z.partialRecord(z.enum(PRIORITIES), labelName),
    ]),
    duplicates: z.boolean(),
    suggest_assignees: z.boolean(),
  },
  context: { enabled: z.boolean() },
};

const MAX_PROBLEMS = 20;

/** Parses one file's text. Never throws: whatever is wrong becomes a problem and keeps its default. */
export function parseConfig(text: string, file: string): { config: PartialRepoConfig; problems: ConfigProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  const at = (node: Node | null | undefined, message: string) => {
    if (problems.length >= MAX_PROBLEMS) return;
    const pos = node?.range ? lineCounter.linePos(node.range[0]) : null;
    problems.push({ file, line: pos?.line ?? null, column: pos?.col ?? null, message });
  };
  if (doc.errors.length > 0) {
    for (const e of doc.errors.slice(0, 5)) {
      const pos = e.linePos?.[0];
      problems.push({
        file,
        line: pos?.line ?? null,
        column: pos?.col ?? null,
        message: `YAML: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
      });
    }
    return { config: {}, problems };
  }
  const config: PartialRepoConfig = {};
  const root = doc.contents;
  let js: Record<string, Record<string, unknown>>;
  try {
    js = (doc.toJS({ maxAliasCount: 50 }) ?? {}) as typeof js;
  } catch (e) {
    at(root as Node | null, `YAML: ${e instanceof Error ? e.message.split('\n')[0] : 'unreadable'}`);
    return { config, problems };
  }
  if (root === null || (isScalar(root) && root.value === null)) return { config, problems }; // an empty file
  if (!isMap(root)) {
    at(root, 'the file must be a mapping of settings (analysis:, summary:, triage:, context:)');
    return { config, problems };
  }
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : null;
    const keyNode = pair.key as Node | null;
    const valueNode = (pair.value ?? keyNode) as Node | null;
    if (key === 'extends') {
      if (isScalar(pair.value) && pair.value.value === 'org') config.extends = 'org';
      else at(valueNode, 'extends: the only value is `org` (the organisation’s .github repository)');
      continue;
    }
    if (key === null || !(key in FIELDS)) {
      at(keyNode, `unknown setting ${JSON.stringify(key ?? '?')}: expected extends, analysis, summary, triage or context`);
      continue;
    }
    const section = key as Section;
    if (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) continue; // `analysis:` with nothing under it
    if (!isMap(pair.value)) {
      at(valueNode, `${section}: must be a mapping of settings`);
      continue;
    }
    const fields = FIELDS[section] as Record<string, z.ZodType>;
    const parsed: Record<string, unknown> = {};
    for (const item of pair.value.items) {
      const name = isScalar(item.key) ? String(item.key.value) : '?';
      const schema = fields[name];
      if (!schema) {
        at(item.key as Node, `${section}: unknown setting ${JSON.stringify(name)}; known: ${Object.keys(fields).join(', ')}`);
        continue;
      }
      const result = schema.safeParse(js[section]?.[name]);
      if (result.success) {
        parsed[name] = result.data;
        continue;
      }
      for (const issue of result.error.issues.slice(0, 3)) {
        const path = [section, name, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
        at(nodeAt(doc, path) ?? (item.value as Node | null) ?? (item.key as Node), `${path.join('.')}: ${issue.message}`);
      }
    }
    (config as Record<string, unknown>)[section] = parsed;
  }
  return { config, problems };
}

/** The deepest node that exists along a path. */
function nodeAt(doc: ReturnType<typeof parseDocument>, path: (string | number)[]): Node | null {
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (node && typeof node === 'object' && 'range' in node) return node as Node;
  }
  return null;
}

/** The organisation's settings overlaid by the repository's (setting by setting; lists are replaced, label maps merged), with defaults. */
export function mergeConfig(org: PartialRepoConfig, repo: PartialRepoConfig): RepoConfig {
  const out = structuredClone(DEFAULT_CONFIG) as Record<Section, Record<string, unknown>>;
  for (const layer of [org, repo])
    for (const section of Object.keys(FIELDS) as Section[]) {
      const values = (layer[section] ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(values)) {
        const current = out[section][k];
        const mergeable = k === 'labels' && typeof current === 'object' && current !== null;
        out[section][k] = mergeable ? { ...(current as object), ...(v as object) } : v;
      }
    }
  return out as unknown as RepoConfig;
}
