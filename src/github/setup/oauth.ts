/** The OAuth half of the setup callback: confirming which GitHub user came back with the installation. */
import { exchangeWebFlowCode } from '@octokit/oauth-methods';
import { RequestError } from '@octokit/request-error';
import type { Env } from '../../env';
import { userRequest } from '../client/api';
import { Refused } from './views';

/** With an OAuth code: the state must match our cookie, and the user the code stands for must see the installation. */
export async function checkUser(
  env: Env,
  installationId: number,
  code: string,
  state: string | undefined,
  cookieState: string | false | undefined,
): Promise<string> {
  if (!env.GITHUB_CLIENT_ID || !env.GITHUB_CLIENT_SECRET) {
    throw new Refused(
      'Not configured',
      'User authorization is on for the App, but GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are not set.',
      503,
    );
  }
  if (!state || !cookieState || state !== cookieState) {
    throw new Refused(
      'Installation not confirmed',
      'This link did not come from an installation started here (the state does not match). Start again from the install link.',
      400,
    );
  }
  const gh = userRequest(env);
  let token: string;
  try {
    ({
      authentication: { token },
    } = await exchangeWebFlowCode({
      clientType: 'github-app',
      clientId: env.GITHUB_CLIENT_ID,
      clientSecret: env.GITHUB_CLIENT_SECRET,
      code,
      request: gh,
    }));
  } catch (err) {
    if (err instanceof RequestError && err.status < 500) {
      throw new Refused('Installation not confirmed', 'GitHub did not accept the authorization code; it may have been used already.', 400);
    }
    throw err;
  }
  const user = { headers: { authorization: `token ${token}` } };
  const { data: who } = await gh('GET /user', user);
  let found = false;
  for (let page = 1; page <= 10 && !found; page++) {
    const { data } = await gh('GET /user/installations', { ...user, per_page: 100, page });
    found = data.installations.some((i) => i.id === installationId);
    if (data.installations.length < 100) break;
  }
  if (!found) {
    throw new Refused('Not your installation', `Installation ${installationId} is not one that @${who.login} can manage.`, 403);
  }
  return who.login;
}
