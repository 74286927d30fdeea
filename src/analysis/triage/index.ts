/**
 * Issue triage: classifies a GitHub issue (type, priority, reasons), maps types onto a
 * repository's labels, scores likely duplicates, and suggests owners from CODEOWNERS. Pure code
 * (no I/O), used by the Worker's issue flow and by `npm run triage`.
 */
export { MIN_TYPE_SCORE, triageIssue } from './classify';
export { LABEL_SYNONYMS, mapLabels, normalizeLabel, typeOfLabel } from './labels';
export { type CodeownersRule, mentionedPaths, ownersFor, parseCodeowners, patternRegex } from './owners';
export { DUPLICATE_THRESHOLD, RELATED_THRESHOLD, similarity, stem, tokens } from './similarity';
export { ISSUE_TYPES, type IssueInput, type IssueType, type Priority, type TriageDecision } from './types';
