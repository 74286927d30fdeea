/** Loopback hosts: where the local stack runs, and the one place plain http is fine. */

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname);
}

/**
 * `url` as a browser should open it: a page on a loopback host (the emulator behind `npm start`'s
 * `/_emulator` proxy) is taken on the request's own origin, so the page, its cookies and the
 * callback share one origin whatever port or loopback name the browser used.
 */
export function onRequestOriginIfLoopback(url: string, requestUrl: string): URL {
  const target = new URL(url);
  if (isLoopbackHost(target.hostname)) {
    const here = new URL(requestUrl);
    target.protocol = here.protocol;
    target.hostname = here.hostname;
    target.port = here.port; // set apart: assigning `host` without a port would keep the configured one
  }
  return target;
}
