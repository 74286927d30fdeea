/**
 * The schema migrations bundled into the worker, in order. The same files in `migrations/` are
 * what `wrangler d1 migrations apply` runs; a test checks this list matches that folder.
 */
import m0001 from '../../migrations/0001_contexts.sql';
import m0002 from '../../migrations/0002_installations.sql';
import m0003 from '../../migrations/0003_actors.sql';
import m0004 from '../../migrations/0004_connections.sql';
import m0005 from '../../migrations/0005_delegations.sql';
import m0006 from '../../migrations/0006_outbox_and_processed_events.sql';
import m0007 from '../../migrations/0007_service_identity.sql';
import m0008 from '../../migrations/0008_api_keys.sql';
import m0009 from '../../migrations/0009_contexts_search_and_labels.sql';
import m0010 from '../../migrations/0010_connection_credentials_kid.sql';
import m0011 from '../../migrations/0011_github_app.sql';
import m0012 from '../../migrations/0012_github_claimed_at.sql';
import m0013 from '../../migrations/0013_dead_letter_note.sql';
import m0014 from '../../migrations/0014_github_analysis.sql';
import m0015 from '../../migrations/0015_github_triage.sql';
import m0016 from '../../migrations/0016_github_analysis_head_time.sql';
import m0017 from '../../migrations/0017_outbox_by_aggregate.sql';
import m0018 from '../../migrations/0018_connection_checks.sql';

export interface Migration {
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { name: '0001_contexts.sql', sql: m0001 },
  { name: '0002_installations.sql', sql: m0002 },
  { name: '0003_actors.sql', sql: m0003 },
  { name: '0004_connections.sql', sql: m0004 },
  { name: '0005_delegations.sql', sql: m0005 },
  { name: '0006_outbox_and_processed_events.sql', sql: m0006 },
  { name: '0007_service_identity.sql', sql: m0007 },
  { name: '0008_api_keys.sql', sql: m0008 },
  { name: '0009_contexts_search_and_labels.sql', sql: m0009 },
  { name: '0010_connection_credentials_kid.sql', sql: m0010 },
  { name: '0011_github_app.sql', sql: m0011 },
  { name: '0012_github_claimed_at.sql', sql: m0012 },
  { name: '0013_dead_letter_note.sql', sql: m0013 },
  { name: '0014_github_analysis.sql', sql: m0014 },
  { name: '0015_github_triage.sql', sql: m0015 },
  { name: '0016_github_analysis_head_time.sql', sql: m0016 },
  { name: '0017_outbox_by_aggregate.sql', sql: m0017 },
  { name: '0018_connection_checks.sql', sql: m0018 },
];
