/**
 * The one triage comment per issue: its text, and writing it — created once (the right to create
 * it is claimed in D1 first, so concurrent deliveries never post two), then edited in place.
 * Everything an issue author controls (titles of similar issues, words quoted in reasons) is
 * rendered inert, and suggested people are named in code spans, which GitHub does not notify.
 */

import { RequestError } from '@octokit/request-error';
import type { IssueType, Priority, TriageDecision } from '../../analysis/triage';
import { sha256Hex } from '../../lib/crypto';
import type { GitHubClient } from '../client/api';
import { postedByApp } from '../client/comments';
import {
  claimTriageComment,
  forgetTriageComment,
  type IssueKey,
  recordTriageComment,
  releaseTriageClaim,
  type TriageRow,
} from '../store/triage';
import type { Calls, RepoAt } from './triage-repo';

export const TRIAGE_MARKER = '<!-- chittyconnect:triage -->';
/** A claim left without a comment this long is a crashed run; another may take it over. */
const STALE_CLAIM_MS = 2 * 60_000;

export interface Similar {
  number: number;
  title: string;
  score: number;
  kind: 'duplicate' | 'related';
}

export interface TriageReport {
  intro: string;
  decision: TriageDecision;
  labelsAdded: string[];
  /** Labels the App would have added but a person removed earlier. */
  labelsHeldBack: string[];
  similar: Similar[] | null;
  /** Suggested people, and where the suggestion came from; null when suggestions are off. */
  assignees: { logins: string[]; source: 'CODEOWNERS' | 'recent commits' | null } | null;
}

/** Text as inert markdown: everything markdown or HTML could act on becomes an entity; one line. */
export const inert = (text: string) =>
  text.replace(/[&<>"'`|\\*_[\]@#~:\r\n]/g, (ch) => (ch === '\r' || ch === '\n' ? ' ' : `&#${ch.charCodeAt(0)};`));

const PRIORITY_TEXT: Record<Priority, string> = { critical: '🔴 critical', high: '🟠 high', medium: '🟡 medium', low: '⚪ low' };

const TYPE_TEXT: Record<IssueType, string> = {
  bug: 'a bug report',
  feature: 'a feature request',
  question: 'a question',
  docs: 'a documentation issue',
  security: 'a security issue',
  performance: 'a performance issue',
};

/** The template intro (the AI may reword it; see wording.ts). */
export function templateIntro(d: TriageDecision): string {
  const type = d.type ? `looks like ${TYPE_TEXT[d.type]}` : 'could not be classified with confidence';
  return `Thanks for opening this. It ${type}, with ${d.priority} priority.`;
}

/** A section: its heading line, then its items as a list (blank lines around, so markdown keeps them apart). */
function section(heading: string, items: readonly string[]): string[] {
  return ['', heading, ...(items.length > 0 ? ['', ...items.map((i) => `- ${i}`)] : [])];
}

const reasons = (all: readonly string[]) => all.slice(0, 8).map((r) => inert(r.slice(0, 200)));
const labelList = (names: readonly string[]) => names.map((l) => `\`${l.replace(/`/g, "'")}\``).join(', ');

export function renderTriage(r: TriageReport): string {
  const d = r.decision;
  const lines = [TRIAGE_MARKER, '### ChittyConnect triage', '', inert(r.intro)];
  const also = d.labels.length > 1 ? ` (also: ${d.labels.slice(1).join(', ')})` : '';
  lines.push(...section(`**Type:** ${d.type ?? 'unclassified'}${also}`, reasons(d.reasons.filter((x) => !/^priority/i.test(x)))));
  lines.push(...section(`**Priority:** ${PRIORITY_TEXT[d.priority]}`, reasons(d.reasons.filter((x) => /^priority/i.test(x)))));
  if (r.labelsAdded.length > 0) lines.push('', `**Labels added:** ${labelList(r.labelsAdded)}`);
  if (r.labelsHeldBack.length > 0) lines.push('', `**Not re-added** (removed by a person earlier): ${labelList(r.labelsHeldBack)}`);
  if (r.similar !== null) {
    const item = (s: Similar) => `#${s.number} ${inert(s.title.slice(0, 120))} (similarity ${s.score.toFixed(2)})`;
    const dup = r.similar.filter((s) => s.kind === 'duplicate').map(item);
    const rel = r.similar.filter((s) => s.kind === 'related').map(item);
    if (dup.length > 0) lines.push(...section('**Likely duplicates:**', dup));
    if (rel.length > 0) lines.push(...section('**Related:**', rel));
    if (dup.length + rel.length === 0) lines.push('', 'No similar open issues found.');
  }
  if (r.assignees !== null) {
    const who = r.assignees.logins.map((l) => `\`@${l}\``).join(', ');
    lines.push(
      '',
      r.assignees.logins.length > 0 ? `**Suggested assignees** (from ${r.assignees.source}): ${who}` : 'No assignee to suggest.',
    );
  }
  lines.push(
    '',
    '<sub>Updated on every edit of the issue. Remove a label to keep it off: it will not be added again. Settings: <code>.github/chittyconnect.yml</code> (<code>triage</code>).</sub>',
  );
  return lines.join('\n');
}

/** Thrown when another run is creating this issue's comment right now: retry the delivery shortly. */
export class TriageBusy extends Error {}

/** The id of a comment on the issue that carries our marker, if any (first 300 comments). */
async function findOurComment(gh: GitHubClient, at: RepoAt, number: number, calls: Calls): Promise<number | null> {
  let pages = 0;
  for await (const { data } of gh.paginate.iterator('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner: at.owner,
    repo: at.repo,
    issue_number: number,
    per_page: 100,
  })) {
    calls.n++;
    const ours = data.find((c) => c.body?.startsWith(TRIAGE_MARKER) && postedByApp(c));
    if (ours) return Number(ours.id);
    if (++pages >= 3) break;
  }
  return null;
}

async function patch(gh: GitHubClient, at: RepoAt, commentId: number, body: string, calls: Calls): Promise<boolean> {
  calls.n++;
  try {
    await gh.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
      owner: at.owner,
      repo: at.repo,
      comment_id: commentId,
      body,
    });
    return true;
  } catch (err) {
    if (err instanceof RequestError && err.status === 404) return false; // someone deleted it: post a new one
    throw err;
  }
}

/**
 * Writes the comment: edits the recorded one (not at all when its text would not change); else
 * claims the right to create it — a claim taken over from a crashed run first looks for a comment
 * that run may have posted — and records its id and the hash of its text.
 */
export async function writeTriageComment(
  gh: GitHubClient,
  db: D1Database,
  at: RepoAt,
  key: IssueKey,
  known: TriageRow | null,
  body: string,
  now: Date,
  calls: Calls,
  /** What decides "unchanged": the comment as the template writes it (a model's rewording varies run to run). Default: `body`. */
  identity: string = body,
): Promise<void> {
  let row = known;
  const sha256 = await sha256Hex(identity);
  if (row?.commentId && row.commentSha256 === sha256) return;
  if (row?.commentId) {
    if (await patch(gh, at, row.commentId, body, calls)) {
      await recordTriageComment(db, key, row.commentId, sha256, now.toISOString());
      return;
    }
    await forgetTriageComment(db, key, row.commentId);
    row = { ...row, commentId: null, commentSha256: null, claimedAt: null };
  }
  const staleBefore = new Date(now.getTime() - STALE_CLAIM_MS).toISOString();
  // A fresh claim (none before) cannot have a comment of ours behind it; a taken-over one might.
  const takeover = row !== null && row.commentId === null && row.claimedAt !== null;
  if (!(await claimTriageComment(db, key, now.toISOString(), staleBefore))) {
    throw new TriageBusy(`the triage comment of ${at.owner}/${at.repo}#${key.number} is being created by another delivery`);
  }
  let commentId = takeover ? await findOurComment(gh, at, key.number, calls) : null;
  if (commentId !== null) await patch(gh, at, commentId, body, calls);
  else {
    calls.n++;
    try {
      const created = await gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner: at.owner,
        repo: at.repo,
        issue_number: key.number,
        body,
      });
      commentId = Number(created.data.id);
    } catch (err) {
      await releaseTriageClaim(db, key); // the retry takes the claim over and first looks for a comment
      throw err;
    }
  }
  await recordTriageComment(db, key, commentId, sha256, now.toISOString());
}
