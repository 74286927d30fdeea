/**
 * The check run's output for an analysis: a title with the counts, a summary (the conclusion and
 * why, counts by severity and class, what was analysed, what was still present from earlier
 * pushes, skipped files and why, configuration problems with their lines) and a findings table.
 */
import type { AnalysisResult, Finding, FindingClass } from '../../analysis/types';
import { SEVERITIES } from '../../analysis/types';
import { type CheckOutput, type Conclusion, findingsTable, severityCounts, titleOf } from './check-run';
import type { ConfigProblem, RepoConfig } from './config';
import { CONFIG_PATH } from './config';
import { problemsText, skippedText } from './render';

export interface Tracked extends Finding {
  /** False when an earlier head of the same pull request already showed it. */
  isNew: boolean;
}

export interface ReportInput {
  config: RepoConfig;
  problems: readonly ConfigProblem[];
  result: AnalysisResult | null;
  findings: readonly Tracked[];
  conclusion: Conclusion;
  /** GitHub listed fewer files than the change has. */
  truncated: boolean;
  /** Annotations published (max_annotations may cut them). */
  annotations: number;
  /** A pull request (new vs still present), not a push. */
  pullRequest: boolean;
}

const WHY: Record<Conclusion, (c: RepoConfig['analysis']) => string> = {
  failure: (c) => `a finding is at or above \`${c.fail_on}\` (\`analysis.fail_on\`)`,
  neutral: (c) => `a finding is at or above \`${c.warn_on}\` (\`analysis.warn_on\`), none at \`${c.fail_on}\``,
  success: (c) => (c.warn_on === 'never' ? 'no finding fails the check' : `no finding reaches \`${c.warn_on}\` (\`analysis.warn_on\`)`),
  skipped: () => `analysis is turned off (\`analysis.enabled: false\` in \`${CONFIG_PATH}\`)`,
};

function countsTable(findings: readonly Tracked[], pullRequest: boolean): string[] {
  if (findings.length === 0) return [];
  const counts = severityCounts(findings);
  const fresh = severityCounts(findings.filter((f) => f.isNew));
  const rows = SEVERITIES.filter((s) => counts[s] > 0).map((s) => `| ${s} | ${counts[s]} |${pullRequest ? ` ${fresh[s]} |` : ''}`);
  const byClass = new Map<FindingClass, number>();
  for (const f of findings) byClass.set(f.class, (byClass.get(f.class) ?? 0) + 1);
  return [
    pullRequest ? '| Severity | Findings | New |' : '| Severity | Findings |',
    pullRequest ? '| --- | ---: | ---: |' : '| --- | ---: |',
    ...rows,
    '',
    `By class: ${[...byClass].map(([c, n]) => `${c} ${n}`).join(' · ')}`,
  ];
}

export function checkOutput(input: ReportInput): CheckOutput {
  const { config, result, findings } = input;
  if (input.conclusion === 'skipped') {
    const summary = [`**Skipped:** ${WHY.skipped(config.analysis)}.`, '', ...problemsText(input.problems)].join('\n');
    return { title: 'Analysis turned off', summary };
  }
  const stillPresent = findings.filter((f) => !f.isNew).length;
  const analysed = result
    ? `Analysed ${result.files} ${result.files === 1 ? 'file' : 'files'} (${result.addedLines} added lines)` +
      (result.suppressed > 0 ? `; ${result.suppressed} silenced by an inline \`chittyconnect-ignore\` comment.` : '.')
    : '';
  const cut =
    input.annotations < findings.length
      ? [
          `Annotations: the first ${input.annotations} of ${findings.length} (\`analysis.max_annotations\`: ${config.analysis.max_annotations}).`,
        ]
      : [];
  const summary = [
    `**${input.conclusion}:** ${WHY[input.conclusion](config.analysis)}.`,
    '',
    ...countsTable(findings, input.pullRequest),
    '',
    analysed,
    ...(input.pullRequest && stillPresent > 0 ? [`${stillPresent} still present from earlier pushes of this pull request.`] : []),
    ...(input.truncated ? ['GitHub listed only part of the changed files; the rest were not analysed.'] : []),
    ...cut,
    '',
    ...skippedText(result?.skipped ?? []),
    '',
    ...problemsText(input.problems),
  ].join('\n');
  const text = findingsTable(findings);
  return { title: titleOf(findings), summary: summary.replace(/\n{3,}/g, '\n\n').trim(), ...(text ? { text } : {}) };
}
