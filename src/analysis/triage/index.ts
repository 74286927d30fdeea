/**
 * Issue triage: classifies a GitHub issue (type, priority, reasons), maps types onto a
 * repository's labels, finds likely duplicates, and suggests owners from CODEOWNERS. Pure code
 * (no I/O), usable from the Worker and from `npm run triage`.
 */

export type IssueType = 'bug' | 'feature' | 'question' | 'docs' | 'security' | 'performance';
export const ISSUE_TYPES: readonly IssueType[] = ['bug', 'feature', 'question', 'docs', 'security', 'performance'];
export type Priority = 'critical' | 'high' | 'medium' | 'low';

export interface IssueInput {
  title: string;
  body?: string | null;
  labels?: readonly (string | { name?: string })[];
  reactions?: {
    total_count?: number;
    '+1'?: number;
    '-1'?: number;
    heart?: number;
    hooray?: number;
    rocket?: number;
    eyes?: number;
    laugh?: number;
    confused?: number;
  };
  comments?: number;
}

export interface TriageDecision {
  type: IssueType | null;
  labels: IssueType[];
  priority: Priority;
  reasons: string[];
  scores: Record<IssueType, number>;
}

/** Classifies an issue. STUB: being filled in. */
export function triageIssue(_issue: IssueInput): TriageDecision {
  const scores = { bug: 0, feature: 0, question: 0, docs: 0, security: 0, performance: 0 };
  return { type: null, labels: [], priority: 'medium', reasons: [], scores };
}

/** Maps wanted types onto the repository's existing labels. STUB. */
export function mapLabels(
  _wanted: readonly IssueType[],
  _existing: readonly string[],
  _overrides?: Partial<Record<IssueType, string>>,
): { apply: string[]; missing: { type: IssueType; name: string }[] } {
  return { apply: [], missing: [] };
}

/** Tokens for similarity. STUB. */
export function tokens(text: string): string[] {
  return text.toLowerCase().split(/\W+/).filter(Boolean);
}

/** Similarity of two issues' text in [0, 1]. STUB. */
export function similarity(_a: { title: string; body?: string | null }, _b: { title: string; body?: string | null }): number {
  return 0;
}

export const DUPLICATE_THRESHOLD = 0.6;
export const RELATED_THRESHOLD = 0.3;

/** Paths and areas an issue names. STUB. */
export function mentionedPaths(_issue: IssueInput): string[] {
  return [];
}

/** CODEOWNERS parsing. STUB. */
export function parseCodeowners(_text: string): { pattern: string; owners: string[] }[] {
  return [];
}

/** Owners for paths (last matching pattern wins). STUB. */
export function ownersFor(_rules: ReturnType<typeof parseCodeowners>, _paths: readonly string[]): string[] {
  return [];
}
