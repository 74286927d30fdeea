/**
 * The pull-request summary: one comment per PR — files, additions/deletions, risk flags — kept
 * current by editing it in place on every opened/synchronize/reopened, plus a check run on the
 * head commit. The comment's id lives in D1 (github_pr_comments); the row is claimed before the
 * comment is created, so concurrent deliveries for one PR never post two.
 */
import { RequestError } from '@octokit/request-error';
import type { GitHubClient } from '../client/api';
import { claimCommentSlot, commentIdOf, recordCommentId, releaseCommentClaim } from '../store/pr-comments';

export interface ChangedFile {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
}

export interface PullRequestRef {
  owner: string;
  repo: string;
  repositoryId: number;
  number: number;
  headSha: string;
  title: string;
  chittyId: string;
}

/** GitHub lists at most 3000 files for a pull request. */
const MAX_FILES = 3000;
const LISTED_FILES = 50;
export const SUMMARY_MARKER = '<!-- chittyconnect:pr-summary -->';
const CHECK_NAME = 'ChittyConnect summary';
/** A claim left without a comment this long is a crashed run; another may take it over. */
const STALE_CLAIM_MS = 2 * 60_000;

export type RiskFlag = 'large-change' | 'many-files' | 'workflows' | 'dependencies' | 'migrations' | 'secrets' | 'no-tests' | 'truncated';

const FLAG_TEXT: Record<RiskFlag, string> = {
  'large-change': 'large change (over 800 lines)',
  'many-files': 'many files (over 40)',
  workflows: 'CI workflows changed',
  dependencies: 'dependencies changed',
  migrations: 'database migrations changed',
  secrets: 'files that look like secrets or keys',
  'no-tests': 'code changed without test changes',
  truncated: `more than ${MAX_FILES} files; GitHub lists only the first ${MAX_FILES}`,
};

const CODE = /\.(ts|tsx|js|jsx|mjs|cjs|py|go|rs|java|kt|rb|php|cs|swift|c|cc|cpp|h)$/i;
const TEST = /(^|\/)(test|tests|__tests__|spec)\/|\.(test|spec)\.[a-z]+$|_test\.go$/i;

export interface Summary {
  files: number;
  additions: number;
  deletions: number;
  flags: RiskFlag[];
}

export function assess(files: readonly ChangedFile[]): Summary {
  const additions = files.reduce((n, f) => n + f.additions, 0);
  const deletions = files.reduce((n, f) => n + f.deletions, 0);
  const names = files.map((f) => f.filename);
  const any = (re: RegExp) => names.some((n) => re.test(n));
  const flags: RiskFlag[] = [];
  if (additions + deletions > 800) flags.push('large-change');
  if (files.length > 40) flags.push('many-files');
  if (any(/^\.github\/workflows\//)) flags.push('workflows');
  if (
    any(/(^|\/)(package(-lock)?\.json|pnpm-lock\.yaml|yarn\.lock|Cargo\.(toml|lock)|go\.(mod|sum)|requirements[^/]*\.txt|poetry\.lock)$/)
  ) {
    flags.push('dependencies');
  }
  if (any(/(^|\/)migrations?\/|\.sql$/)) flags.push('migrations');
  if (any(/(^|\/)\.env(\.|$)|\.(pem|key|p12|pfx)$|(^|\/)[^/]*(secret|credential)[^/]*$/i)) flags.push('secrets');
  if (names.some((n) => CODE.test(n) && !TEST.test(n)) && !any(TEST)) flags.push('no-tests');
  if (files.length >= MAX_FILES) flags.push('truncated');
  return { files: files.length, additions, deletions, flags };
}

/**
 * A file name as inert text in the comment: inside `<code>`, with everything markdown or HTML
 * could act on entity-escaped (a PR author chooses file names; the comment is posted as the App).
 */
const code = (text: string) =>
  `<code>${text.replace(/[&<>"'`|\\*_[\]@#~\r\n]/g, (ch) => (ch === '\r' || ch === '\n' ? ' ' : `&#${ch.charCodeAt(0)};`))}</code>`;

export function renderComment(pr: PullRequestRef, files: readonly ChangedFile[], s: Summary): string {
  const risk = s.flags.length === 0 ? 'No risk flags.' : s.flags.map((f) => `⚠️ ${FLAG_TEXT[f]}`).join('<br>');
  const rows = files.slice(0, LISTED_FILES).map((f) => `| ${code(f.filename)} | ${code(f.status)} | +${f.additions} | −${f.deletions} |`);
  const more = files.length > LISTED_FILES ? `\n\n…and ${files.length - LISTED_FILES} more files.` : '';
  return [
    SUMMARY_MARKER,
    '### ChittyConnect summary',
    '',
    `**${s.files} ${s.files === 1 ? 'file' : 'files'}** changed · **+${s.additions}** / **−${s.deletions}**`,
    '',
    `**Risk:** ${risk}`,
    '',
    '<details><summary>Files</summary>',
    '',
    '| File | Status | + | − |',
    '| --- | --- | ---: | ---: |',
    ...rows,
    `${more}`,
    '</details>',
    '',
    `<sub>Updated for ${pr.headSha.slice(0, 7)} · ChittyID \`${pr.chittyId}\`</sub>`,
  ].join('\n');
}

async function changedFiles(gh: GitHubClient, pr: PullRequestRef): Promise<ChangedFile[]> {
  const files: ChangedFile[] = [];
  for await (const page of gh.paginate.iterator('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
    owner: pr.owner,
    repo: pr.repo,
    pull_number: pr.number,
    per_page: 100,
  })) {
    for (const f of page.data) files.push({ filename: f.filename, status: f.status, additions: f.additions, deletions: f.deletions });
    if (files.length >= MAX_FILES) break;
  }
  return files.slice(0, MAX_FILES);
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
    const ours = data.find((c) => c.body?.startsWith(SUMMARY_MARKER));
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

/** Posts or updates the summary comment and adds a check run; returns what was assessed. `now` is the caller's clock. */
export async function publishSummary(gh: GitHubClient, db: D1Database, pr: PullRequestRef, now: Date = new Date()): Promise<Summary> {
  const files = await changedFiles(gh, pr);
  const summary = assess(files);
  const body = renderComment(pr, files, summary);
  await writeComment(gh, db, pr, body, now);
  await gh.request('POST /repos/{owner}/{repo}/check-runs', {
    owner: pr.owner,
    repo: pr.repo,
    name: CHECK_NAME,
    head_sha: pr.headSha,
    status: 'completed',
    conclusion: summary.flags.length === 0 ? 'success' : 'neutral',
    output: {
      title: `${summary.files} files, +${summary.additions} / −${summary.deletions}${summary.flags.length ? `, ${summary.flags.length} risk flags` : ''}`,
      summary: summary.flags.length === 0 ? 'No risk flags.' : summary.flags.map((f) => `- ${FLAG_TEXT[f]}`).join('\n'),
    },
  });
  return summary;
}

/** The one summary comment of the PR: updated where D1 (or GitHub) knows it, else created; its id recorded. */
async function writeComment(gh: GitHubClient, db: D1Database, pr: PullRequestRef, body: string, now: Date): Promise<void> {
  const slot = await slotFor(db, pr, now);
  const repo = { owner: pr.owner, repo: pr.repo };
  let commentId: number | null = null;
  if ('commentId' in slot) {
    try {
      await gh.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repo, comment_id: slot.commentId, body });
      commentId = slot.commentId;
    } catch (err) {
      if (!(err instanceof RequestError && err.status === 404)) throw err; // someone deleted it: post a new one
    }
  }
  // A comment of ours may exist that D1 does not know (a run that crashed after posting it): adopt it.
  if (commentId === null && 'create' in slot) commentId = await findOurComment(gh, pr);
  if (commentId !== null && 'create' in slot) {
    await gh.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repo, comment_id: commentId, body });
  }
  if (commentId === null) {
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
}
