/**
 * The App edits in place only comments it posted itself: a person's comment that starts with our
 * marker (a PR author trying to have the App write into a comment they can later edit) is not ours.
 */
import { describe, expect, it } from 'vitest';
import { postedByApp } from '../../src/github/client/comments';

/** Shapes as GitHub's REST API returns them (GET /repos/{owner}/{repo}/issues/{n}/comments). */
const person = { user: { login: 'octocat', type: 'User' }, performed_via_github_app: null };
const ourBot = { user: { login: 'chittyconnect[bot]', type: 'Bot' }, performed_via_github_app: { id: 1001, slug: 'chittyconnect' } };
const otherApp = { user: { login: 'other[bot]', type: 'Bot' }, performed_via_github_app: { id: 2002, slug: 'other' } };
const botWithoutApp = { user: { login: 'some-machine-user', type: 'Bot' }, performed_via_github_app: null };

describe('postedByApp', () => {
  it('is true only for a bot comment made through a GitHub App, and through ours when our id is known', () => {
    expect(postedByApp(person)).toBe(false);
    expect(postedByApp(botWithoutApp)).toBe(false);
    expect(postedByApp(ourBot)).toBe(true);
    expect(postedByApp(ourBot, '1001')).toBe(true);
    expect(postedByApp(otherApp, '1001')).toBe(false);
    expect(postedByApp({})).toBe(false);
  });
});
