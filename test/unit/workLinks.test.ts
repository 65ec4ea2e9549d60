// Which URLs are links to work (#13): GitHub, GitLab, Linear and Jira, canonical and labelled.
import { parseWorkLink, workLinksIn } from '../../src/domain/workLinks';

describe('work links', () => {
  it.each([
    ['https://github.com/acme/shop/pull/12', { url: 'https://github.com/acme/shop/pull/12', provider: 'github', kind: 'pull_request', label: 'acme/shop#12' }],
    ['https://github.com/acme/shop/pull/12/files?diff=split#r1', undefined],
    ['https://GitHub.com/acme/shop/issues/7/', { url: 'https://github.com/acme/shop/issues/7', provider: 'github', kind: 'issue', label: 'acme/shop#7' }],
    ['https://github.com/acme/shop/issues/7?x=1#issuecomment-9', { url: 'https://github.com/acme/shop/issues/7', provider: 'github', kind: 'issue', label: 'acme/shop#7' }],
    ['https://gitlab.com/acme/web/shop/-/merge_requests/5', { url: 'https://gitlab.com/acme/web/shop/-/merge_requests/5', provider: 'gitlab', kind: 'merge_request', label: 'acme/web/shop!5' }],
    ['https://gitlab.acme.io/ops/infra/-/issues/31', { url: 'https://gitlab.acme.io/ops/infra/-/issues/31', provider: 'gitlab', kind: 'issue', label: 'ops/infra#31' }],
    ['https://linear.app/acme/issue/ENG-123/fix-the-login-page', { url: 'https://linear.app/acme/issue/ENG-123', provider: 'linear', kind: 'issue', label: 'ENG-123' }],
    ['https://acme.atlassian.net/browse/OPS-42', { url: 'https://acme.atlassian.net/browse/OPS-42', provider: 'jira', kind: 'issue', label: 'OPS-42' }],
    ['http://github.com/acme/shop/pull/12', undefined],
    ['https://github.com/acme/shop', undefined],
    ['https://evil.example/github.com/acme/shop/pull/1', undefined],
    ['https://github.com.evil.example/acme/shop/pull/1', undefined],
    ['https://user:pw@github.com/acme/shop/pull/1', undefined],
    ['not a url', undefined],
  ])('%s', (url, expected) => {
    expect(parseWorkLink(url)).toEqual(expected);
  });

  it("finds each link once in a message as Slack sends it, and in typed text", () => {
    const text =
      'Fixed in <https://github.com/acme/shop/pull/12|the PR>, see also <https://acme.atlassian.net/browse/OPS-42> and https://github.com/acme/shop/pull/12. Docs: <https://example.com/x>';
    expect(workLinksIn(text).map((l) => l.label)).toEqual(['acme/shop#12', 'OPS-42']);
    expect(workLinksIn('see https://linear.app/acme/issue/ENG-9).').map((l) => l.url)).toEqual(['https://linear.app/acme/issue/ENG-9']);
  });
});
