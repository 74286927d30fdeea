/** SQL for the asks to GitHub to redeliver a missed delivery (`github_redeliveries`), by delivery guid. */

export interface RedeliveryAsk {
  guid: string;
  /** GitHub's hook delivery id (the one the redelivery request names). */
  id: number;
  event: string;
}

/**
 * Records an ask for this guid: true when granted — the first time; again only when the last ask is
 * older than `staleBefore` and fewer than `maxRequests` were made; always when `explicit`.
 */
export async function claimRedelivery(
  db: D1Database,
  d: RedeliveryAsk,
  now: string,
  staleBefore: string,
  maxRequests: number,
  explicit: boolean,
): Promise<boolean> {
  const row = await db
    .prepare(
      `INSERT INTO github_redeliveries (guid, hook_delivery_id, event, requests, requested_at) VALUES (?1, ?2, ?3, 1, ?4)
       ON CONFLICT (guid) DO UPDATE SET hook_delivery_id = ?2, requests = requests + 1, requested_at = ?4
         WHERE ?7 OR (github_redeliveries.requested_at < ?5 AND github_redeliveries.requests < ?6)
       RETURNING guid`,
    )
    .bind(d.guid, d.id, d.event, now, staleBefore, maxRequests, explicit ? 1 : 0)
    .first();
  return row !== null;
}
