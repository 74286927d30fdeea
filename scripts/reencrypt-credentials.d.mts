/** Types of scripts/reencrypt-credentials.mjs, for the tests that drive its loop against the worker. */
export interface ReencryptTotals {
  currentKeyId: string;
  reencrypted: number;
  alreadyCurrent: number;
  failed: { connectionId: string; reason: string }[];
  batches: number;
}

/** Calls POST /v1/admin/credentials/reencrypt batch by batch until nothing remains. */
export function reencryptAll(options: {
  url: string;
  token: string;
  batch?: number;
  fetch?: (input: URL, init: RequestInit) => Promise<Response>;
  log?: (line: string) => void;
}): Promise<ReencryptTotals>;
