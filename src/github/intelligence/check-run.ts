/**
 * The one "ChittyConnect" check run per analysed commit: its conclusion from the configured
 * thresholds (a finding at or above `fail_on` → failure, at or above `warn_on` → neutral, else
 * success), its output (title, summary, a findings table) and its annotations — at most 50 in the
 * create call, then batches of 50 by PATCH (GitHub appends them), up to `max_annotations`.
 */
import type { Finding, Severity } from '../../analysis/types';
import { SEVERITIES, severityRank } from '../../analysis/types';
import type { GitHubClient } from '../client/api';
import type { RepoConfig, Threshold } from './config';
import { clip, code, MAX_TEXT } from './render';

export const CHECK_NAME = 'ChittyConnect';
/** GitHub takes at most 50 annotations per request. */
export const ANNOTATIONS_PER_REQUEST = 50;

export type Conclusion = 'success' | 'neutral' | 'failure' | 'skipped';

const reaches = (s: Severity, t: Threshold) => t !== 'never' && severityRank(s) >= severityRank(t);

/** failure when a finding reaches fail_on, neutral when one reaches warn_on, else success. */
export function conclusionOf(findings: readonly Pick<Finding, 'severity'>[], analysis: RepoConfig['analysis']): Conclusion {
  if (findings.some((f) => reaches(f.severity, analysis.fail_on))) return 'failure';
  if (findings.some((f) => reaches(f.severity, analysis.warn_on))) return 'neutral';
  return 'success';
}

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  title: string;
  message: string;
  raw_details: string;
}

const LEVEL: Record<Severity, Annotation['annotation_level']> = { critical: 'failure', high: 'failure', medium: 'warning', low: 'notice' };

/** A finding as an annotation: the rule's title, its message and fix hint (annotations are plain text, never rendered). */
export function annotationOf(f: Finding): Annotation {
  return {
    path: f.path,
    start_line: f.line,
    end_line: Math.max(f.line, f.endLine),
    annotation_level: LEVEL[f.severity],
    title: `${f.title} (${f.severity})`.slice(0, 255),
    message: `${f.message}\n\nFix: ${f.fix}`.slice(0, 4000),
    raw_details: `rule ${f.ruleId} · class ${f.class} · fingerprint ${f.fingerprint}`,
  };
}

export interface CheckOutput {
  title: string;
  summary: string;
  text?: string;
}

/** One row per finding, most severe first, as far as fits. */
export function findingsTable(findings: readonly (Finding & { isNew?: boolean })[], limit = 300): string {
  if (findings.length === 0) return '';
  const rows = findings
    .slice(0, limit)
    .map(
      (f) =>
        `| ${f.severity} | ${code(f.ruleId)} | ${code(`${f.path}:${f.line}`)} | ${code(f.message)}${f.isNew === false ? ' (still present)' : ''} |`,
    );
  const more = findings.length > limit ? `\n\n…and ${findings.length - limit} more.` : '';
  return clip(['| Severity | Rule | Where | Message |', '| --- | --- | --- | --- |', ...rows].join('\n') + more, MAX_TEXT);
}

/** Counts per severity, for titles and D1. */
export function severityCounts(findings: readonly Pick<Finding, 'severity'>[]): Record<Severity, number> {
  const counts = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

export function titleOf(findings: readonly Pick<Finding, 'severity'>[]): string {
  if (findings.length === 0) return 'No findings';
  const counts = severityCounts(findings);
  const parts = SEVERITIES.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return `${findings.length} ${findings.length === 1 ? 'finding' : 'findings'}: ${parts.join(', ')}`;
}

export interface CheckTarget {
  owner: string;
  repo: string;
  headSha: string;
}

/**
 * Creates the completed check run with the first 50 annotations, calls `created` with its id
 * (record it before anything else can fail), then PATCHes the rest in batches of 50. Returns the
 * id and the GitHub calls made.
 */
export async function createCheckRun(
  gh: GitHubClient,
  target: CheckTarget,
  run: { conclusion: Conclusion; output: CheckOutput; annotations: readonly Annotation[] },
  created: (id: number) => Promise<unknown>,
): Promise<{ id: number; calls: number }> {
  const repo = { owner: target.owner, repo: target.repo };
  const output = { ...run.output, summary: clip(run.output.summary), ...(run.output.text ? { text: clip(run.output.text) } : {}) };
  const batches: Annotation[][] = [];
  for (let i = 0; i < run.annotations.length; i += ANNOTATIONS_PER_REQUEST)
    batches.push(run.annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  const { data } = await gh.request('POST /repos/{owner}/{repo}/check-runs', {
    ...repo,
    name: CHECK_NAME,
    head_sha: target.headSha,
    status: 'completed',
    conclusion: run.conclusion,
    output: { ...output, annotations: batches[0] ?? [] },
  });
  const id = Number(data.id);
  await created(id);
  for (const batch of batches.slice(1)) {
    await gh.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...repo,
      check_run_id: id,
      // The whole output again: GitHub replaces the run's output on update (a PATCH without `text` would drop the findings table).
      output: { ...output, annotations: batch },
    });
  }
  return { id, calls: Math.max(1, batches.length) };
}
