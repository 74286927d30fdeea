/**
 * The parts of each payload the handlers read, checked at run time with zod. Which fields are
 * required follows GitHub's webhooks description, not guesses: the compile-time checks at the end
 * assert that every payload the description allows for each listed action (types from
 * `@octokit/openapi-webhooks-types`) passes these schemas — a schema that demands a field GitHub
 * may leave out (an issue's `state` on `pinned`, the `repositories` of `suspend`) does not compile.
 */
import type { components } from '@octokit/openapi-webhooks-types';
import { z } from 'zod';
import type { ActionEvent, ActionOf, PlainEvent } from './actions';

const repository = z.object({ id: z.number(), full_name: z.string() });

export const pushPayload = z.object({
  ref: z.string(),
  before: z.string(),
  after: z.string(),
  created: z.boolean(),
  deleted: z.boolean(),
  forced: z.boolean(),
  /** name, owner and default_branch: to analyse a push to the default branch (optional here: only that needs them). */
  repository: repository.extend({
    name: z.string().optional(),
    owner: z.object({ login: z.string().optional() }).nullish(),
    default_branch: z.string().optional(),
  }),
  pusher: z.object({ name: z.string() }),
  /** Absent when the delivery came from a repository or organisation webhook rather than the App. */
  installation: z.object({ id: z.number() }).optional(),
  commits: z.array(
    z.object({
      id: z.string(),
      message: z.string(),
      timestamp: z.string(),
      author: z.object({ name: z.string() }),
    }),
  ),
});

/** An issue or a pull request: `state` is not sent with every action (`issues.pinned` lacks it). */
const item = z.object({ id: z.number(), number: z.number(), title: z.string(), state: z.string().optional() });

const login = z.object({ login: z.string(), type: z.string().optional() });
const count = z.number().optional();

/** What triage reads is optional (older actions, and webhooks set up outside the App, may lack it). */
export const issuesPayload = z.object({
  repository: repository.extend({ name: z.string().optional(), owner: z.object({ login: z.string() }).optional() }),
  issue: item.extend({
    body: z.string().nullish(),
    updated_at: z.string().optional(),
    user: login.nullish(),
    labels: z.array(z.object({ name: z.string().optional() }).nullable()).optional(),
    reactions: z
      .object({
        total_count: count,
        '+1': count,
        '-1': count,
        heart: count,
        hooray: count,
        rocket: count,
        eyes: count,
        laugh: count,
        confused: count,
      })
      .optional(),
    comments: z.number().optional(),
  }),
  installation: z.object({ id: z.number() }).optional(),
  sender: login.optional(),
  /** The label added or removed, on `labeled` and `unlabeled`. */
  label: z.object({ name: z.string() }).optional(),
});

export const pullRequestPayload = z.object({
  repository: repository.extend({ name: z.string(), owner: z.object({ login: z.string() }) }),
  pull_request: item.extend({ head: z.object({ sha: z.string() }), updated_at: z.string().optional() }),
  /** Absent when the delivery came from a repository or organisation webhook rather than the App. */
  installation: z.object({ id: z.number() }).optional(),
});

/**
 * A user or organisation account has a login; an enterprise account (slug, name) or none is
 * possible too. A value outside GitHub's enums reads as absent, so it never overwrites what is stored.
 */
const account = z
  .object({ id: z.number(), login: z.string().optional(), type: z.string().optional(), avatar_url: z.string().nullish() })
  .nullable();

const selection = z.enum(['all', 'selected']).optional().catch(undefined);

export const installationPayload = z.object({
  installation: z.object({
    id: z.number(),
    account,
    repository_selection: selection,
    permissions: z.record(z.string(), z.unknown()).optional(),
    events: z.array(z.string()).optional(),
  }),
  /** Sent with `created` (and `deleted`); absent from `suspend` and `unsuspend`: then the stored list stands. */
  repositories: z.array(z.object({ id: z.number(), full_name: z.string() })).optional(),
  sender: z.object({ login: z.string() }),
});

export const repositoriesPayload = z.object({
  installation: z.object({ id: z.number() }),
  repository_selection: selection,
  repositories_added: z.array(z.object({ id: z.number(), full_name: z.string() })),
  /** The description leaves each field of a removed repository optional: it is matched by id or full name. */
  repositories_removed: z.array(z.object({ id: z.number().optional(), full_name: z.string().optional() })),
});

// ---- Compile-time: every payload GitHub's description allows passes the schema of its event. ----

type Schemas = components['schemas'];
type Dashed<S extends string> = S extends `${infer A}_${infer B}` ? `${A}-${Dashed<B>}` : S;
type SchemaName<E extends ActionEvent | PlainEvent> = E extends ActionEvent
  ? `webhook-${Dashed<E>}-${Dashed<ActionOf<E>>}`
  : `webhook-${E}`;
/** The description's payload type of every listed action of an event (a union). */
export type PayloadOf<E extends ActionEvent | PlainEvent> = Schemas[SchemaName<E> & keyof Schemas];
/** Compiles only when `T` is empty: every listed event and action names a payload of the description. */
type None<T extends never> = T;
/** Compiles only when every `Theirs` is a valid input of the schema `Ours`. */
type Accepts<Ours extends z.ZodType, Theirs extends z.input<Ours>> = [Ours, Theirs];

export type DescriptionChecks = [
  None<Exclude<SchemaName<ActionEvent | PlainEvent>, keyof Schemas>>,
  Accepts<typeof pushPayload, PayloadOf<'push'>>,
  Accepts<typeof issuesPayload, PayloadOf<'issues'>>,
  Accepts<typeof pullRequestPayload, PayloadOf<'pull_request'>>,
  Accepts<typeof installationPayload, PayloadOf<'installation'>>,
  Accepts<typeof repositoriesPayload, PayloadOf<'installation_repositories'>>,
];
