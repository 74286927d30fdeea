/**
 * One analysis of a commit, published once: claim the (repository, head sha, PR) in D1, read the
 * repository's config at that sha, list the changed files, run the engine (config ignore paths
 * and disabled rules), tell new findings from ones an earlier head of the PR showed, publish one
 * "ChittyConnect" check run, let the caller write its comment, then record the findings and mark
 * the analysis published. A sha already published changes nothing (`github.analysis_unchanged`);
 * a check run created by a run that crashed afterwards is reused, never created twice.
 *
 * GitHub calls per PR update: config 1 (+1 with `extends: org`, 0 when cached), files 1 per 100,
 * check run 1 (+1 per further 50 annotations), and the caller's comment.
 */
import { analyzePatches } from '../../analysis/engine';
import type { AnalysisResult, Finding } from '../../analysis/types';
import type { Logger } from '../../lib/log';
import type { GitHubClient } from '../client/api';
import {
  type AnalysisKey,
  claimAnalysis,
  knownFingerprints,
  newerHeadPublished,
  recordCheckRun,
  recordPublished,
  releaseAnalysisClaim,
} from '../store/analyses';
import type { ChangedFile } from './changes';
import { annotationOf, type Conclusion, conclusionOf, createCheckRun, severityCounts } from './check-run';
import { type ConfigProblem, loadRepoConfig, type RepoConfig } from './config';
import { compareFiles, type ListedFiles, NothingToCompare } from './files';
import { checkOutput, type Tracked } from './report';

export interface AnalysisDeps {
  gh: GitHubClient;
  db: D1Database;
  kv: KVNamespace;
  log: Logger;
  now: Date;
}

export interface AnalysisTarget {
  owner: string;
  repo: string;
  repositoryId: number;
  headSha: string;
  /** 0 for a push to the default branch. */
  prNumber: number;
  /** The pull request's `updated_at` in the delivery, to tell an older head from a newer one. */
  headUpdatedAt?: string | null;
}

export interface Outcome {
  config: RepoConfig;
  problems: ConfigProblem[];
  files: ChangedFile[];
  truncated: boolean;
  /** null when analysis is turned off. */
  result: AnalysisResult | null;
  findings: Tracked[];
  conclusion: Conclusion;
  checkRunId: number;
  /** GitHub calls so far (config, files, check run). */
  calls: number;
}

/** Another delivery is publishing this sha right now: retry the delivery shortly. */
export class AnalysisBusy extends Error {}

/** A claim left unpublished this long is a crashed run; another delivery may take it over. */
const STALE_CLAIM_MS = 2 * 60_000;

/** Each finding marked new or still present; the engine's order (most severe first) is kept, so max_annotations keeps the worst. */
function track(findings: readonly Finding[], known: ReadonlySet<string>): Tracked[] {
  return findings.map((f) => ({ ...f, isNew: !known.has(f.fingerprint) }));
}

/**
 * Analyses and publishes `target` once. `listFiles` reads the changed files; `after` (the PR's
 * comment) runs once the check run exists and returns its GitHub calls. Null when the sha was
 * already published.
 */
export async function analyseAndPublish(
  x: AnalysisDeps,
  target: AnalysisTarget,
  listFiles: () => Promise<ListedFiles>,
  after?: (outcome: Outcome) => Promise<number>,
): Promise<Outcome | null> {
  const key: AnalysisKey = {
    repositoryId: target.repositoryId,
    headSha: target.headSha,
    prNumber: target.prNumber,
    headUpdatedAt: target.headUpdatedAt ?? null,
  };
  if (await newerHeadPublished(x.db, key)) {
    x.log.log('info', 'github.analysis_superseded', { headSha: target.headSha, prNumber: target.prNumber });
    return null;
  }
  const staleBefore = new Date(x.now.getTime() - STALE_CLAIM_MS).toISOString();
  const claim = await claimAnalysis(x.db, key, x.now.toISOString(), staleBefore);
  if (claim.state === 'published') {
    x.log.log('info', 'github.analysis_unchanged', { headSha: target.headSha, prNumber: target.prNumber });
    return null;
  }
  if (claim.state === 'busy') throw new AnalysisBusy(`the analysis of ${target.headSha} is being published by another delivery`);
  try {
    return await publish(x, target, key, claim.checkRunId, listFiles, after);
  } catch (err) {
    await releaseAnalysisClaim(x.db, key); // the retry takes over at once (reusing the check run, if one was created)
    throw err;
  }
}

async function publish(
  x: AnalysisDeps,
  target: AnalysisTarget,
  key: AnalysisKey,
  existingRun: number | null,
  listFiles: () => Promise<ListedFiles>,
  after?: (outcome: Outcome) => Promise<number>,
): Promise<Outcome> {
  const pullRequest = target.prNumber > 0;
  const { config, problems, calls: configCalls } = await loadRepoConfig(x.gh, x.kv, target, target.headSha);
  const enabled = config.analysis.enabled;
  const listed = enabled || (pullRequest && config.summary.enabled) ? await listFiles() : { files: [], truncated: false, calls: 0 };
  const result = enabled
    ? analyzePatches(listed.files, { ignorePaths: config.analysis.ignore_paths, disabledRules: config.analysis.disabled_rules })
    : null;
  const known =
    result && pullRequest && result.findings.length > 0
      ? await knownFingerprints(x.db, target.repositoryId, target.prNumber)
      : new Set<string>();
  const findings = track(result?.findings ?? [], known);
  const conclusion: Conclusion = enabled ? conclusionOf(findings, config.analysis) : 'skipped';
  const annotations = findings.slice(0, config.analysis.max_annotations).map(annotationOf);
  const output = checkOutput({
    config,
    problems,
    result,
    findings,
    conclusion,
    truncated: listed.truncated,
    annotations: annotations.length,
    pullRequest,
  });
  let calls = configCalls + listed.calls;
  let checkRunId = existingRun;
  if (checkRunId === null) {
    const run = await createCheckRun(x.gh, target, { conclusion, output, annotations }, (id) => recordCheckRun(x.db, key, id));
    checkRunId = run.id;
    calls += run.calls;
  }
  const outcome: Outcome = {
    config,
    problems,
    files: listed.files,
    truncated: listed.truncated,
    result,
    findings,
    conclusion,
    checkRunId,
    calls,
  };
  const afterCalls = after ? await after(outcome) : 0;
  const counts = {
    findings: findings.length,
    new: findings.filter((f) => f.isNew).length,
    bySeverity: severityCounts(findings),
    files: result?.files ?? 0,
    skipped: result?.skipped.length ?? 0,
    suppressed: result?.suppressed ?? 0,
    problems: problems.length,
  };
  const stored = findings.map((f) => ({ fingerprint: f.fingerprint, ruleId: f.ruleId, path: f.path, line: f.line, severity: f.severity }));
  await recordPublished(x.db, key, { conclusion, counts, findings: stored }, x.now.toISOString());
  x.log.log('info', 'github.analysis_published', {
    headSha: target.headSha,
    prNumber: target.prNumber,
    conclusion,
    findings: counts.findings,
    new: counts.new,
    githubCalls: calls + afterCalls,
    reusedCheckRun: existingRun !== null,
  });
  return outcome;
}

/**
 * A push to the default branch: the compare of `before...after`, one check run on `after`, no
 * comment. When GitHub cannot compare them (`before` gone after a force push) nothing is published
 * (logged `github.analysis_skipped`): there is no change to analyse, and retrying would not help.
 */
export async function analysePush(
  x: AnalysisDeps,
  push: { owner: string; repo: string; repositoryId: number; before: string; after: string },
): Promise<Outcome | null> {
  const target = { owner: push.owner, repo: push.repo, repositoryId: push.repositoryId, headSha: push.after, prNumber: 0 };
  try {
    return await analyseAndPublish(x, target, () => compareFiles(x.gh, push));
  } catch (err) {
    if (!(err instanceof NothingToCompare)) throw err;
    x.log.log('info', 'github.analysis_skipped', { headSha: push.after, reason: err.message });
    return null;
  }
}
