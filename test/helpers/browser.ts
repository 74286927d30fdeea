/** A browser for SELF: keeps cookies, never follows redirects by itself, signs in through the emulated ChittyAuth. */
import { SELF } from 'cloudflare:test';
import { expect } from 'vitest';

/** SERVICE_URL of the test environment. */
export const ORIGIN = 'http://localhost:8787';

export class Browser {
  private cookies = new Map<string, string>();

  async go(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await SELF.fetch(new URL(url, ORIGIN).toString(), { ...init, headers, redirect: 'manual' });
    // workerd's Headers has getSetCookie(); the pool's type for it does not declare it.
    for (const line of (res.headers as Headers & { getSetCookie(): string[] }).getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async form(url: string, fields: [string, string][], headers: Record<string, string> = {}): Promise<Response> {
    return this.go(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /**
   * From a redirect to ChittyAuth's page: signs in there as the holder of `token` (the emulated
   * login form), follows the callback; returns the callback's answer (a redirect onwards).
   */
  async signInAt(toLogin: Response, token: string): Promise<Response> {
    expect(toLogin.status).toBe(302);
    const loginUrl = new URL(location(toLogin));
    expect(loginUrl.pathname).toBe('/_emulator/auth.chitty.cc/v1/login');
    const loginPage = await this.go(loginUrl.toString());
    expect(loginPage.status).toBe(200);
    const signedIn = await this.form(loginUrl.toString(), [
      ['token', token],
      ['redirect_uri', loginUrl.searchParams.get('redirect_uri') ?? ''],
      ['state', loginUrl.searchParams.get('state') ?? ''],
    ]);
    expect(signedIn.status).toBe(302);
    return this.go(location(signedIn));
  }
}

export function location(res: Response): string {
  const to = res.headers.get('location');
  if (!to) throw new Error(`expected a redirect, got ${res.status}`);
  return to;
}
