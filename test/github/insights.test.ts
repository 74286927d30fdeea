/** The intelligence routes over REST: admin only, repositories by name and by page, refusals. */
import { beforeAll, describe, expect, it } from 'vitest';
import installationCreated from '../fixtures/github/installation.created.json';
import { call, registeredActor, type TestActor } from '../helpers/actors';
import { delivery, runEvents } from '../helpers/github';

let admin: TestActor;
let plain: TestActor;
const names = ['alpha', 'Bravo', 'charlie'].map((n) => `insights-org/${n}`);

beforeAll(async () => {
  admin = await registeredActor('human', ['admin']);
  plain = await registeredActor('human');
  await runEvents([
    delivery('installation', {
      ...installationCreated,
      installation: {
        ...installationCreated.installation,
        id: 77001,
        account: { ...installationCreated.installation.account, login: 'insights-org' },
      },
      repositories: names.map((full_name, i) => ({
        id: 880000 + i,
        node_id: `R_${i}`,
        name: full_name.split('/')[1],
        full_name,
        private: false,
      })),
    }),
  ]);
});

describe('GitHub intelligence routes', () => {
  it('are for admins only', async () => {
    for (const path of [
      '/v1/github/repositories',
      '/v1/github/repositories/insights-org/alpha',
      '/v1/github/repositories/insights-org/alpha/pulls/1/analysis',
      '/v1/github/repositories/insights-org/alpha/issues/1/triage',
    ]) {
      const res = await call(path, plain.token);
      expect(res.status, path).toBe(403);
    }
  });

  it('page through repositories by name, case-insensitively, with nextAfter', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const res = await call(`/v1/github/repositories?limit=1${after ? `&after=${encodeURIComponent(after)}` : ''}`, admin.token);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { repositories: { fullName: string }[]; nextAfter: string | null };
      expect(page.repositories.length).toBeLessThanOrEqual(1);
      seen.push(...page.repositories.map((r) => r.fullName));
      after = page.nextAfter;
    } while (after);
    expect(seen.filter((n) => n.startsWith('insights-org/'))).toEqual(names);
    const one = await call('/v1/github/repositories/INSIGHTS-ORG/bravo', admin.token);
    expect(await one.json()).toMatchObject({
      repository: { fullName: 'insights-org/Bravo', installationId: 77001 },
      defaultBranch: null,
      openFindings: 0,
    });
  });

  it('refuse bad names (400), unknown repositories (404), and PRs or issues the App has not seen (404)', async () => {
    expect((await call('/v1/github/repositories/insights-org/a%20b', admin.token)).status).toBe(400);
    const unknown = await call('/v1/github/repositories/nobody/nothing/pulls/1/analysis', admin.token);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('repository_not_found');
    const pr = await call('/v1/github/repositories/insights-org/alpha/pulls/5/analysis', admin.token);
    expect(((await pr.json()) as { code: string }).code).toBe('analysis_not_found');
    const issue = await call('/v1/github/repositories/insights-org/alpha/issues/5/triage', admin.token);
    expect(((await issue.json()) as { code: string }).code).toBe('issue_not_found');
  });
});
