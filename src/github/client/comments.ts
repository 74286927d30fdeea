/**
 * Which comments are the App's own. A comment is adopted (edited in place) only when the App
 * posted it: written by a bot account through a GitHub App. A person's comment that copies our
 * marker is never taken over — otherwise a PR author could post the marker first, have the App
 * write its summary into their comment, and later edit it into a fake "no findings".
 */
export interface CommentAuthor {
  user?: { type?: string | null } | null;
  performed_via_github_app?: { id?: number | null } | null;
}

/** `appId`: the App's id when known (GITHUB_APP_ID); a comment through another App is then not ours. */
export function postedByApp(c: CommentAuthor, appId?: string | number): boolean {
  if (c.user?.type !== 'Bot' || !c.performed_via_github_app) return false;
  const id = c.performed_via_github_app.id;
  return appId === undefined || id === undefined || id === null || String(id) === String(appId);
}
