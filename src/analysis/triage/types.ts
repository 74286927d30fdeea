/**
 * The triage vocabulary: the issue types the classifier chooses between, priorities, the issue
 * fields it reads (a GitHub issue object fits), and the decision it returns.
 */

export type IssueType = 'bug' | 'feature' | 'question' | 'docs' | 'security' | 'performance';
export const ISSUE_TYPES: readonly IssueType[] = ['bug', 'feature', 'question', 'docs', 'security', 'performance'];
export type Priority = 'critical' | 'high' | 'medium' | 'low';

export interface IssueInput {
  title: string;
  body?: string | null;
  /** Labels already on the issue: a hint, not the answer. */
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
  /** Primary type; null when nothing is confident enough. */
  type: IssueType | null;
  /** Primary first, then any strong secondary (e.g. bug + security). */
  labels: IssueType[];
  priority: Priority;
  /** Human-readable, e.g. 'stack trace in body (bug)'. */
  reasons: string[];
  scores: Record<IssueType, number>;
}

/** Zero for every type. */
export function emptyScores(): Record<IssueType, number> {
  return { bug: 0, feature: 0, question: 0, docs: 0, security: 0, performance: 0 };
}
