/** GitHub's domain types, shared by the stores and the code that fills them. */

/** An installation to upsert; an undefined field keeps its stored value (a new row takes the column default). */
export interface InstallationRecord {
  installationId: number;
  chittyId: string;
  dnaId: string | null;
  /** Required to insert a new row; undefined keeps the stored account. */
  account: { id: number; login: string; type: 'User' | 'Organization'; avatarUrl: string | null } | undefined;
  repositorySelection: 'all' | 'selected' | undefined;
  permissions: Record<string, unknown> | undefined;
  events: string[] | undefined;
  repositories: unknown[] | undefined;
}
