/**
 * The pull request's analysis and summary, on opened/synchronize/reopened: the analysis of the
 * head commit published once as a "ChittyConnect" check run (intelligence/analysis.ts), and one
 * summary comment per PR — what changed and why it matters, the top findings — kept current by
 * editing it in place. Nothing is written again for a head sha already published. The comment's
 * id lives in D1 (github_pr_comments); the row is claimed before the comment is created, so
 * concurrent deliveries for one PR never post two.
 */

import { RequestError } from '@octokit/request-error';
import type { Logger } from '../../lib/log';
import type { GitHubClient } from '../client/api';
import { postedByApp } from '../client/comments';
import { analyseAndPublish, type Outcome } from '../intelligence/analysis';
import { assess } from '../intelligence/changes';
import { pullRequestFiles } from '../intelligence/files';
import { renderComment, SUMMARY_MARKER } from '../intelligence/render-comment';
import { claimCommentSlot, commentIdOf, recordCommentId, releaseCommentClaim } from '../store/pr-comments';

export { SUMMARY_MARKER } from '../intelligence/render-comment';

export interface PullRequestRef {
  owner: string;
  repo: string;
  repositoryId: number;
  number: number;
  headSha: string;
  /** The pull request's `updated_at` in the delivery (tells an older head's late delivery from a newer one's). */
  headUpdatedAt?: string | undefined;
  title: string;
  chittyId: string;
}

/** A claim left without a comment this long is a crashed run; another may take it over. */
const STALE_CLAIM_MS = 2 * 60_000;

export interface SummaryDeps {
  gh: GitHubClient;
  db: D1Database;
  kv: KVNamespace;
  log: Logger;
  now: Date;
}

/**
 * Analyses the PR's head commit, publishes the check run and writes the summary comment (unless
 * `summary.enabled: false`). Null when this head sha was published before: nothing was written.
 */
export function publishSummary(x: SummaryDeps, pr: PullRequestRef): Promise<Outcome | null> {
  const target = {
    owner: pr.owner,
    repo: pr.repo,
    repositoryId: pr.repositoryId,
    headSha: pr.headSha,
    prNumber: pr.number,
    headUpdatedAt: pr.headUpdatedAt ?? null,
  };
  return analyseAndPublish(
    x,
    target,
    () => pullRequestFiles(x.gh, pr),
    async (o) => {
      if (!o.config.summary.enabled) return 0;
      const body = renderComment({
        owner: pr.owner,
        repo: pr.repo,
        headSha: pr.headSha,
        chittyId: pr.chittyId,
        files: o.files,
        summary: assess(o.files, o.truncated),
        analysis: o.result
          ? { findings: o.findings, conclusion: o.conclusion, skipped: o.result.skipped, problems: o.problems.length }
          : null,
      });
      return writeComment(x.gh, x.db, pr, body, x.now);
    },
  );
}

/** The id of a comment on the PR that carries our marker, if any (first 300 comments). */
async function findOurComment(gh: GitHubClient, pr: PullRequestRef): Promise<number | null> {
  let pages = 0;
  for await (const { data } of gh.paginate.iterator('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner: pr.owner,
    repo: pr.repo,
    issue_number: pr.number,
    per_page: 100,
  })) {
    const ours = data.find((c) => c.body?.startsWith(SUMMARY_MARKER) && postedByApp(c));
    if (ours) return Number(ours.id);
    if (++pages >= 3) break;
  }
  return null;
}

/** Thrown when another run is creating this PR's comment right now: retry the delivery shortly. */
export class SummaryBusy extends Error {}

type Slot = { commentId: number } | { create: true };

/** The comment to edit, or the right to create one (claimed atomically). */
async function slotFor(db: D1Database, pr: PullRequestRef, now: Date): Promise<Slot> {
  const staleBefore = new Date(now.getTime() - STALE_CLAIM_MS).toISOString();
  if (await claimCommentSlot(db, pr, now.toISOString(), staleBefore)) return { create: true };
  const commentId = await commentIdOf(db, pr);
  if (commentId) return { commentId };
  throw new SummaryBusy(`the summary comment of ${pr.owner}/${pr.repo}#${pr.number} is being created by another delivery`);
}

/** The one summary comment of the PR: updated where D1 (or GitHub) knows it, else created; its id recorded. Returns the GitHub calls made. */
async function writeComment(gh: GitHubClient, db: D1Database, pr: PullRequestRef, body: string, now: Date): Promise<number> {
  const slot = await slotFor(db, pr, now);
  const repo = { owner: pr.owner, repo: pr.repo };
  let commentId: number | null = null;
  let calls = 0;
  if ('commentId' in slot) {
    calls++;
    try {
      await gh.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repo, comment_id: slot.commentId, body });
      commentId = slot.commentId;
    } catch (err) {
      if (!(err instanceof RequestError && err.status === 404)) throw err; // someone deleted it: post a new one
    }
  }
  // A comment of ours may exist that D1 does not know (a run that crashed after posting it): adopt it.
  if (commentId === null && 'create' in slot) {
    calls++;
    commentId = await findOurComment(gh, pr);
  }
  if (commentId !== null && 'create' in slot) {
    calls++;
    await gh.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repo, comment_id: commentId, body });
  }
  if (commentId === null) {
    calls++;
    try {
      const created = await gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        ...repo,
        issue_number: pr.number,
        body,
      });
      commentId = Number(created.data.id);
    } catch (err) {
      // Give the claim back, so the retry of this delivery can create the comment straight away.
      if ('create' in slot) await releaseCommentClaim(db, pr);
      throw err;
    }
  }
  await recordCommentId(db, pr, Number(commentId), now.toISOString());
  return calls;
}
