/**
 * What the App does with each event and action GitHub's webhooks description (npm
 * `@octokit/openapi-webhooks`) lists for the events it subscribes to: every pair is either handled
 * or deliberately ignored, with the reason. `test/github/payloads.test.ts` walks the description
 * and fails on a pair missing here, so a new action GitHub documents is a decision, not an accident.
 * An action GitHub sends that is not listed (newer than the description we ship) is handled like
 * the event's other actions, and logged `github.unlisted_action` so the list gets updated.
 */

/** `handled`: the event's handler runs. `ignored`: acknowledged and settled processed, nothing recorded. */
export type Disposition = 'handled' | { ignored: string };

const handled = 'handled' as const;

/** Issues and pull requests: every action is tracked (ChittyID, DNA evolving, Chronicle). */
const ISSUE_ACTIONS = [
  'assigned',
  'closed',
  'deleted',
  'demilestoned',
  'edited',
  'labeled',
  'locked',
  'milestoned',
  'opened',
  'pinned',
  'reopened',
  'transferred',
  'typed',
  'unassigned',
  'unlabeled',
  'unlocked',
  'unpinned',
  'untyped',
] as const;

const PULL_REQUEST_ACTIONS = [
  'assigned',
  'auto_merge_disabled',
  'auto_merge_enabled',
  'closed',
  'converted_to_draft',
  'demilestoned',
  'dequeued',
  'edited',
  'enqueued',
  'labeled',
  'locked',
  'milestoned',
  'opened',
  'ready_for_review',
  'reopened',
  'review_request_removed',
  'review_requested',
  'synchronize',
  'unassigned',
  'unlabeled',
  'unlocked',
] as const;

const all = <A extends string>(actions: readonly A[]) => Object.fromEntries(actions.map((a) => [a, handled])) as Record<A, 'handled'>;

/** Events with an `action`, by action. */
export const EVENT_ACTIONS = {
  issues: all(ISSUE_ACTIONS),
  pull_request: all(PULL_REQUEST_ACTIONS),
  installation: {
    created: handled,
    deleted: handled,
    new_permissions_accepted: handled,
    suspend: handled,
    unsuspend: handled,
  },
  installation_repositories: { added: handled, removed: handled },
} satisfies Record<string, Record<string, Disposition>>;

/** Events without an `action`. */
export const PLAIN_EVENTS = {
  push: handled,
  ping: {
    ignored: 'GitHub sends it once, when the webhook is created, to show the URL is reachable: there is nothing to record',
  },
} satisfies Record<string, Disposition>;

export type ActionEvent = keyof typeof EVENT_ACTIONS;
export type PlainEvent = keyof typeof PLAIN_EVENTS;
export type ActionOf<E extends ActionEvent> = keyof (typeof EVENT_ACTIONS)[E] & string;

/** The disposition of one delivery, or null when GitHub sent an event or action this list does not name. */
export function classify(event: string, action: string | null): Disposition | null {
  if (Object.hasOwn(PLAIN_EVENTS, event)) return PLAIN_EVENTS[event as PlainEvent];
  if (!Object.hasOwn(EVENT_ACTIONS, event) || action === null) return null;
  const actions: Record<string, Disposition> = EVENT_ACTIONS[event as ActionEvent];
  return Object.hasOwn(actions, action) ? (actions[action] ?? null) : null;
}
