/**
 * Issue triage on GitHub. Every `issues` event keeps the D1 issue index current (duplicate search)
 * and notes labels a person removed; `opened`, `edited` and `reopened` of an open issue by a
 * person (bots' issues are left alone) are triaged, unless the repository's config turns triage
 * off (then nothing is written): the classifier's type labels mapped onto the repository's labels
 * (created only with `create_labels`), a priority label only when configured, never a label a
 * person removed; likely duplicates from D1; suggested assignees from CODEOWNERS, else recent
 * committers of the paths the issue names; and ONE comment saying why, edited on later edits.
 * GitHub calls, counted: config (cached 60 s), labels (cached 10 min), one add-labels call, the
 * comment; CODEOWNERS (cached 10 min) and commits (≤ 2) only when the issue names paths.
 */

import { RequestError } from '@octokit/request-error';
import {
  DUPLICATE_THRESHOLD,
  type IssueInput,
  type IssueType,
  mapLabels,
  mentionedPaths,
  ownersFor,
  type Priority,
  RELATED_THRESHOLD,
  similarity,
  tokens,
  triageIssue,
} from '../../analysis/triage';
import type { Env } from '../../env';
import type { Logger } from '../../lib/log';
import { describeGitHubError, type GitHubClient, rateLimitWait } from '../client/api';
import { BODY_EXCERPT_CHARS, searchOpenIssues, setIssueState, upsertIssue } from '../store/issues-index';
import { type IssueKey, recordApplied, recordRemoved, type TriageRow, triageRow } from '../store/triage';
import { loadRepoConfig, type RepoConfig } from './config';
import { renderTriage, type Similar, type TriageReport, templateIntro, writeTriageComment } from './triage-comment';
import {
  type Calls,
  codeownersRules,
  createLabel,
  labelsCacheKey,
  type RepoAt,
  recentCommitters,
  repoLabels,
  suggestable,
} from './triage-repo';
import { reword } from './wording';

/** The parts of an `issues` payload triage reads. */
export interface IssueEvent {
  action: string;
  repo: RepoAt;
  issue: {
    number: number;
    title: string;
    body?: string | null | undefined;
    state?: string | undefined;
    updated_at?: string | undefined;
    user?: { login: string; type?: string | undefined } | null | undefined;
    labels?: readonly ({ name?: string | undefined } | null)[] | undefined;
    reactions?: IssueInput['reactions'] | undefined;
    comments?: number | undefined;
  };
  sender?: { login: string; type?: string | undefined } | undefined;
  /** The label of a `labeled` / `unlabeled` event. */
  label?: { name: string } | undefined;
}

export interface TriageDeps {
  env: Env;
  gh: GitHubClient;
  log: Logger;
  now: Date;
}

const TRIAGED = new Set(['opened', 'edited', 'reopened']);
const MAX_SIMILAR = 5;
const MAX_ASSIGNEES = 3;
const MAX_COMMIT_PATHS = 2;
const TYPE_COLORS: Record<IssueType, string> = {
  bug: 'd73a4a',
  feature: 'a2eeef',
  question: 'd876e3',
  docs: '0075ca',
  security: 'b60205',
  performance: 'fbca04',
};
const PRIORITY_COLORS: Record<Priority, string> = { critical: 'b60205', high: 'd93f0b', medium: 'fbca04', low: 'c2e0c6' };

const lower = (names: readonly string[]) => new Set(names.map((n) => n.toLowerCase()));
const isBot = (u: { login: string; type?: string | undefined } | null | undefined) =>
  !!u && (u.type === 'Bot' || u.login.endsWith('[bot]'));

/** Keeps the D1 issue index current from any `issues` event. */
export async function indexIssue(db: D1Database, e: IssueEvent, at: Date): Promise<void> {
  const updatedAt = e.issue.updated_at ?? at.toISOString();
  if (e.action === 'deleted' || e.action === 'transferred') {
    await setIssueState(db, e.repo.repositoryId, e.issue.number, e.action, at.toISOString());
    return;
  }
  if (e.issue.state === undefined) return; // an action that does not say (pinned): nothing new to index
  const issue = {
    repositoryId: e.repo.repositoryId,
    number: e.issue.number,
    title: e.issue.title,
    body: e.issue.body ?? '',
    state: e.issue.state,
  };
  await upsertIssue(db, issue, updatedAt);
}

/** How much newer than our last write a payload must be before labels missing from it count as removed. */
const REMOVAL_MARGIN_MS = 5 * 60_000;

/** Labels a person took off: an `unlabeled` by someone who is not a bot (the App is one), or ones the App added that are gone now. */
function removedByPeople(e: IssueEvent, row: TriageRow | null): string[] {
  if (e.action === 'unlabeled' && e.label && !isBot(e.sender)) return [e.label.name];
  if (!row || row.applied.length === 0 || e.issue.labels === undefined) return [];
  // Only a payload clearly newer than our last write can show a removal: an older one, or one from
  // the minutes around our write (the author fixing a typo right after opening, another bot
  // labelling), may simply predate our labels. A removal in that window still arrives as its own
  // `unlabeled` event from a person, which the first line records.
  const eventAt = Date.parse(e.issue.updated_at ?? '');
  const wroteAt = Date.parse(row.updatedAt ?? '');
  if (!Number.isFinite(eventAt) || !Number.isFinite(wroteAt) || eventAt <= wroteAt + REMOVAL_MARGIN_MS) return [];
  const now = lower(e.issue.labels.map((l) => l?.name ?? ''));
  return row.applied.filter((l) => !now.has(l) && !row.removed.includes(l));
}

/** The duplicate and related open issues of the repository, best first. */
async function similarIssues(db: D1Database, e: IssueEvent): Promise<Similar[]> {
  const me = { title: e.issue.title, body: (e.issue.body ?? '').slice(0, BODY_EXCERPT_CHARS) };
  const counts = new Map<string, number>();
  for (const t of tokens(me.title)) counts.set(t, (counts.get(t) ?? 0) + 3);
  for (const t of tokens(me.body)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const top = [...counts.entries()]
    .filter(([t]) => t.length >= 3)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 16)
    .map(([t]) => t);
  const candidates = await searchOpenIssues(db, e.repo.repositoryId, top, e.issue.number);
  return candidates
    .map((c) => ({ number: c.number, title: c.title, score: similarity(me, c) }))
    .filter((c) => c.score >= RELATED_THRESHOLD)
    .sort((a, b) => b.score - a.score)
    .slice(0, MAX_SIMILAR)
    .map((c) => ({ ...c, kind: c.score >= DUPLICATE_THRESHOLD ? ('duplicate' as const) : ('related' as const) }));
}

/** Suggested people: CODEOWNERS of the paths the issue names, else their recent committers. */
async function suggestAssignees(d: TriageDeps, e: IssueEvent, calls: Calls): Promise<NonNullable<TriageReport['assignees']>> {
  const paths = mentionedPaths({ title: e.issue.title, body: e.issue.body ?? null });
  if (paths.length === 0) return { logins: [], source: null };
  const author = e.issue.user?.login.toLowerCase();
  const keep = (logins: string[]) => logins.filter((l) => l.toLowerCase() !== author).slice(0, MAX_ASSIGNEES);
  const rules = await codeownersRules(d.gh, d.env.CHITTYCONNECT_KV, e.repo, calls);
  const owners = keep(suggestable(ownersFor(rules, paths)));
  if (owners.length > 0) return { logins: owners, source: 'CODEOWNERS' };
  const committers: string[] = [];
  for (const path of paths.slice(0, MAX_COMMIT_PATHS))
    committers.push(...(await recentCommitters(d.gh, d.env.CHITTYCONNECT_KV, e.repo, path, calls)));
  const logins = keep([...new Set(committers)]);
  return { logins, source: logins.length > 0 ? 'recent commits' : null };
}

/** The labels to add (existing ones, or created when configured), and those held back because a person removed them. */
async function chooseLabels(
  d: TriageDeps,
  e: IssueEvent,
  config: RepoConfig,
  wanted: readonly IssueType[],
  priority: Priority,
  removed: Set<string>,
  calls: Calls,
) {
  const existing = await repoLabels(d.gh, d.env.CHITTYCONNECT_KV, e.repo, calls);
  const { apply, missing } = mapLabels(wanted, existing, config.triage.labels);
  const create: { name: string; color: string }[] = config.triage.create_labels
    ? missing.map((m) => ({ name: m.name, color: TYPE_COLORS[m.type] }))
    : [];
  const names = [...apply, ...create.map((c) => c.name)];
  const priorityLabels = config.triage.priority_labels === false ? {} : config.triage.priority_labels;
  const priorityName = priorityLabels[priority];
  const onIssue = lower((e.issue.labels ?? []).map((l) => l?.name ?? ''));
  // One priority per issue: one already set (by a person, or by the App on an earlier edit) stands.
  const hasPriority = Object.values(priorityLabels).some((n) => n !== undefined && onIssue.has(n.toLowerCase()));
  if (priorityName && !hasPriority) {
    if (lower(existing).has(priorityName.toLowerCase())) names.push(priorityName);
    else if (config.triage.create_labels) {
      create.push({ name: priorityName, color: PRIORITY_COLORS[priority] });
      names.push(priorityName);
    }
  }
  const held = names.filter((n) => removed.has(n.toLowerCase()));
  const add = [
    ...new Map(
      names.filter((n) => !onIssue.has(n.toLowerCase()) && !removed.has(n.toLowerCase())).map((n) => [n.toLowerCase(), n]),
    ).values(),
  ];
  for (const c of create.filter((c) => add.includes(c.name))) await createLabel(d.gh, e.repo, c.name, c.color, calls);
  if (create.length > 0) await d.env.CHITTYCONNECT_KV.delete(labelsCacheKey(e.repo.repositoryId));
  return { add, held };
}

/**
 * GitHub refused a write for good: no permission (403 that is not a rate limit), the issue is gone
 * (404, 410), or locked (GitHub answers 403). Retrying the delivery would fail the same way.
 */
const refused = (err: unknown) =>
  err instanceof RequestError && (err.status === 404 || err.status === 410 || (err.status === 403 && rateLimitWait(err) === null));

/** Runs a write; a refusal (see `refused`) is logged and reported as false, anything else thrown. */
async function tryWrite(d: TriageDeps, what: string, write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (!refused(err)) throw err;
    d.log.log('warn', 'github.triage_refused', { what, error: describeGitHubError(err) });
    return false;
  }
}

export type TriageOutcome = { triaged: false; reason: string; calls: number } | { triaged: true; calls: number; report: TriageReport };

/** Handles one `issues` event (see the module comment). */
export async function triageEvent(d: TriageDeps, e: IssueEvent): Promise<TriageOutcome> {
  const db = d.env.DB;
  const key: IssueKey = { repositoryId: e.repo.repositoryId, number: e.issue.number };
  await indexIssue(db, e, d.now);
  let row = await triageRow(db, key);
  const removedNow = removedByPeople(e, row);
  if (removedNow.length > 0) {
    await recordRemoved(db, key, removedNow, d.now.toISOString());
    row = await triageRow(db, key);
  }
  if (!TRIAGED.has(e.action)) return { triaged: false, reason: `action ${e.action} is not triaged`, calls: 0 };
  if (e.issue.state !== undefined && e.issue.state !== 'open') return { triaged: false, reason: 'the issue is closed', calls: 0 };
  if (isBot(e.issue.user)) return { triaged: false, reason: 'opened by a bot', calls: 0 };
  const loaded = await loadRepoConfig(d.gh, d.env.CHITTYCONNECT_KV, e.repo, null);
  const calls: Calls = { n: loaded.calls };
  const config = loaded.config;
  if (!config.triage.enabled) return { triaged: false, reason: 'triage is disabled by the repository config', calls: calls.n };

  const input: IssueInput = {
    title: e.issue.title,
    body: e.issue.body ?? null,
    labels: (e.issue.labels ?? []).map((l) => l?.name ?? ''),
    ...(e.issue.reactions ? { reactions: e.issue.reactions } : {}),
    ...(e.issue.comments !== undefined ? { comments: e.issue.comments } : {}),
  };
  const decision = triageIssue(input);
  const removed = new Set(row?.removed ?? []);
  const labels: { add: string[]; held: string[] } = { add: [], held: [] };
  await tryWrite(d, 'labels', async () => {
    const chosen = await chooseLabels(d, e, config, decision.labels, decision.priority, removed, calls);
    labels.held = chosen.held;
    if (chosen.add.length === 0) return;
    calls.n++;
    const issue = { owner: e.repo.owner, repo: e.repo.repo, issue_number: e.issue.number };
    await d.gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', { ...issue, labels: chosen.add });
    await recordApplied(db, key, chosen.add, d.now.toISOString());
    labels.add = chosen.add; // only once GitHub has them
  });
  const similar = config.triage.duplicates ? await similarIssues(db, e) : null;
  const assignees = config.triage.suggest_assignees ? await suggestAssignees(d, e, calls) : null;
  const intro = await reword(d.env.AI, templateIntro(decision), {
    purpose: 'the opening line of a friendly issue-triage comment on GitHub',
  });
  const report: TriageReport = { intro: intro.text, decision, labelsAdded: labels.add, labelsHeldBack: labels.held, similar, assignees };
  // Unchanged is judged on the template's wording, so a model's rephrasing alone never re-edits the comment.
  const identity = renderTriage({ ...report, intro: templateIntro(decision) });
  await tryWrite(d, 'comment', () => writeTriageComment(d.gh, db, e.repo, key, row, renderTriage(report), d.now, calls, identity));
  const { type, priority } = decision;
  d.log.log('info', 'github.triaged', { number: e.issue.number, type, priority, labels: labels.add, calls: calls.n, wording: intro.by });
  return { triaged: true, calls: calls.n, report };
}
