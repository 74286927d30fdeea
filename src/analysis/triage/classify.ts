/**
 * The issue classifier: weighted evidence, no model. Each signal (signals.ts) found in the title
 * counts fully, in the body a fraction, and the body's total per type is capped so a long report
 * cannot outvote its own title; a template's headings count once, and never more than its content.
 * Labels already on the issue count as strong evidence. The highest score is the type.
 */
import { typeOfLabel } from './labels';
import { priorityOf } from './priority';
import { BODY_FACTOR, SIGNALS, TITLE_TAGS, titleCore } from './signals';
import { cleanBody } from './text';
import { emptyScores, type IssueInput, type IssueType, type TriageDecision } from './types';

/** Below this, no type is confident enough. */
export const MIN_TYPE_SCORE = 1;
/** Most a body can add to one type. */
const BODY_CAP = 6;
/** Order that breaks ties: the specific types first (their wording is rarer), then the common ones by frequency in real trackers. */
const TIE_ORDER: readonly IssueType[] = ['security', 'performance', 'bug', 'feature', 'question', 'docs'];
/** Types that may follow the primary as a second label when strong. */
const SECONDARY: readonly IssueType[] = ['security', 'performance', 'docs', 'bug'];

const STACK_TRACE =
  /^\s*at [\w$.<>[\]]+ ?\([^)\n]*:\d+(:\d+)?\)|^\s*at [^\n]{1,200}\.(java|kt|scala):\d+\)|^\s*at (async )?[\w$./\\-]+:\d+:\d+|traceback \(most recent call last\)|^\s*file ".+", line \d+|^goroutine \d+ \[|^panic: |^exception in thread|^\s*#\d+ +0x[0-9a-f]+|^thread '.+' panicked at/m;
const ERROR_LINE =
  /(^|\n)\s*(\[?error\]?|err!?|fatal|uncaught|unhandled|\w+(error|exception))\b\s*[:!]|\b(errno|exit code [1-9]|segmentation fault|core dumped|npm err!)/;

interface Evidence {
  type: IssueType;
  weight: number;
  reason: string;
}

const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 39)}…` : text).trim();
const lower = (text: string) => text.toLowerCase().replace(/[\u2018\u2019`]/g, "'");

function evidenceOf(issue: IssueInput): { evidence: Evidence[]; text: string } {
  const evidence: Evidence[] = [];
  // Inline code in a title is a name (`--fail-on`, `errorHandler`), not wording.
  const title = lower((issue.title ?? '').replace(/`[^`]+`/g, 'code'))
    .replace(/\s+/g, ' ')
    .trim();
  const core = titleCore(title);
  const body = cleanBody(issue.body);
  const prose = lower(body.prose);
  const code = lower(body.code);

  for (const tag of TITLE_TAGS) {
    const m = tag.re.exec(title);
    if (m) evidence.push({ type: tag.type, weight: 5, reason: `title is tagged "${clip(m[0])}" (${tag.type})` });
  }
  const bodyTotals = emptyScores();
  for (const signal of SIGNALS) {
    const inTitle = signal.where !== 'body' ? (signal.re.exec(title) ?? (core !== title ? signal.re.exec(core) : null)) : null;
    if (inTitle) {
      evidence.push({ type: signal.type, weight: signal.weight, reason: `title ${signal.why}: "${clip(inTitle[0])}" (${signal.type})` });
      continue;
    }
    const inBody = signal.where !== 'title' ? signal.re.exec(prose) : null;
    if (!inBody) continue;
    const full = signal.where === 'both' ? (signal.bodyWeight ?? signal.weight * BODY_FACTOR) : signal.weight;
    const room = full < 0 ? full : Math.min(full, BODY_CAP - bodyTotals[signal.type]);
    if (room === 0) continue;
    bodyTotals[signal.type] += room;
    evidence.push({ type: signal.type, weight: room, reason: `body ${signal.why}: "${clip(inBody[0])}" (${signal.type})` });
  }
  if (STACK_TRACE.test(code) || STACK_TRACE.test(prose)) evidence.push({ type: 'bug', weight: 3, reason: 'stack trace in body (bug)' });
  else if (ERROR_LINE.test(code)) evidence.push({ type: 'bug', weight: 2, reason: 'error output in body (bug)' });

  for (const [kind, headings] of body.templates) {
    // A template counts at most as much as the rest of the evidence for its kind, and never more than 2.
    evidence.push({ type: kind, weight: 2, reason: `${kind} template headings ("${clip(headings[0] ?? '')}") (${kind})` });
  }
  for (const label of issue.labels ?? []) {
    const name = typeof label === 'string' ? label : (label?.name ?? '');
    const type = typeOfLabel(name);
    if (type) evidence.push({ type, weight: 6, reason: `already labelled "${clip(name)}" (${type})` });
  }
  return { evidence, text: `${title}\n${prose}\n${code}` };
}

/** Classifies an issue: its type (null when unsure), labels, priority, and the reasons for each. */
export function triageIssue(issue: IssueInput): TriageDecision {
  const { evidence, text } = evidenceOf(issue);
  const scores = emptyScores();
  for (const e of evidence) scores[e.type] += e.weight;
  // No wording of any kind: in real trackers such a title ("Sync installed extensions", "Zoom on
  // marker click") names a capability someone wants, so it leans feature, at the lowest confidence.
  if (evidence.every((e) => e.weight <= 0) && /^\W*\S+\s+\S+/.test(titleCore(issue.title ?? '')) && !/\?\s*$/.test(issue.title ?? '')) {
    scores.feature += MIN_TYPE_SCORE;
    evidence.push({
      type: 'feature',
      weight: MIN_TYPE_SCORE,
      reason: 'no bug, question or other wording: a title naming a capability (feature, low confidence)',
    });
  }
  for (const type of Object.keys(scores) as IssueType[]) scores[type] = Math.round(Math.max(0, scores[type]) * 100) / 100;

  const ranked = [...TIE_ORDER].sort((a, b) => scores[b] - scores[a] || TIE_ORDER.indexOf(a) - TIE_ORDER.indexOf(b));
  const top = ranked[0] as IssueType;
  const type = scores[top] >= MIN_TYPE_SCORE ? top : null;
  const labels: IssueType[] = type ? [type] : [];
  if (type)
    for (const other of SECONDARY)
      if (other !== type && scores[other] >= 4 && scores[other] >= scores[type] * 0.5 && !(other === 'bug' && type === 'question'))
        labels.push(other);

  const reasons = evidence
    .filter((e) => e.weight > 0 && labels.includes(e.type))
    .sort((a, b) => labels.indexOf(a.type) - labels.indexOf(b.type) || b.weight - a.weight)
    .map((e) => e.reason);
  if (!type) reasons.push('no type is confident enough (no clear bug, feature, question, docs, security or performance wording)');
  const priority = priorityOf(issue, type, labels, text);
  return { type, labels, priority: priority.priority, reasons: [...reasons, priority.reason], scores };
}
