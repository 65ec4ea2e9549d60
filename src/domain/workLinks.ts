// Links to the work behind a request: GitHub pull requests and issues, GitLab merge requests and
// issues, Linear issues and Jira issues, recognised in text people write. Pure.

export type WorkProvider = 'github' | 'gitlab' | 'linear' | 'jira';
export type WorkKind = 'pull_request' | 'issue' | 'merge_request';
/** Known only for what a webhook tells us (GitHub); absent until then. */
export type WorkState = 'open' | 'merged' | 'closed';

export interface WorkLink {
  /** The canonical URL: scheme, host and path only, as the provider's webhooks name it. */
  url: string;
  provider: WorkProvider;
  kind: WorkKind;
  /** How people refer to it: `acme/shop#12`, `acme/shop!7`, `ENG-123`, `OPS-42`. */
  label: string;
}

/** At most this many links are kept on one request. */
export const MAX_LINKS = 20;

const PATTERNS: Array<{ test: RegExp; link: (m: RegExpExecArray) => Omit<WorkLink, 'url'> & { path: string; host: string } }> = [
  {
    test: /^https:\/\/(github\.com)\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)\/(pull|issues)\/(\d+)$/,
    link: (m) => ({
      host: m[1]!,
      path: `/${m[2]}/${m[3]}/${m[4]}/${m[5]}`,
      provider: 'github',
      kind: m[4] === 'pull' ? 'pull_request' : 'issue',
      label: `${m[2]}/${m[3]}#${m[5]}`,
    }),
  },
  {
    // gitlab.com or a self-hosted GitLab whose host says so; groups may nest.
    test: /^https:\/\/((?:[a-z0-9-]+\.)*gitlab(?:\.[a-z0-9-]+)+)\/((?:[A-Za-z0-9_.-]+\/)+[A-Za-z0-9_.-]+)\/-\/(merge_requests|issues)\/(\d+)$/,
    link: (m) => ({
      host: m[1]!,
      path: `/${m[2]}/-/${m[3]}/${m[4]}`,
      provider: 'gitlab',
      kind: m[3] === 'merge_requests' ? 'merge_request' : 'issue',
      label: `${m[2]}${m[3] === 'merge_requests' ? '!' : '#'}${m[4]}`,
    }),
  },
  {
    test: /^https:\/\/(linear\.app)\/([A-Za-z0-9_-]+)\/issue\/([A-Z][A-Z0-9]*-\d+)(?:\/[A-Za-z0-9_-]*)?$/,
    link: (m) => ({ host: m[1]!, path: `/${m[2]}/issue/${m[3]}`, provider: 'linear', kind: 'issue', label: m[3]! }),
  },
  {
    test: /^https:\/\/([a-z0-9-]+\.atlassian\.net)\/browse\/([A-Z][A-Z0-9_]*-\d+)$/,
    link: (m) => ({ host: m[1]!, path: `/browse/${m[2]}`, provider: 'jira', kind: 'issue', label: m[2]! }),
  },
];

/** The work link a URL points at, or undefined when it is not one we know. Query and fragment are dropped. */
export function parseWorkLink(raw: string): WorkLink | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port) return undefined;
  const plain = `https://${url.hostname.toLowerCase()}${url.pathname.replace(/\/+$/, '')}`;
  for (const pattern of PATTERNS) {
    const match = pattern.test.exec(plain);
    if (!match) continue;
    const { host, path, ...link } = pattern.link(match);
    return { url: `https://${host}${path}`, ...link };
  }
  return undefined;
}

/**
 * The GitHub repository a link belongs to, as `owner/name` in lower case (GitHub's names are
 * case-insensitive); undefined for links elsewhere.
 */
export function githubRepository(link: Pick<WorkLink, 'url' | 'provider'>): string | undefined {
  if (link.provider !== 'github') return undefined;
  const match = /^https:\/\/github\.com\/([^/]+)\/([^/]+)\//.exec(link.url);
  return match ? `${match[1]}/${match[2]}`.toLowerCase() : undefined;
}

/**
 * Whether a webhook event about the work, last updated at `eventUpdatedAt` (GitHub's `updated_at`),
 * is news for a link whose stored state came from an event updated at `storedUpdatedAt`: only a
 * later one is, so a replayed or late "closed" cannot undo a later "reopened".
 */
export function isNewerEvent(eventUpdatedAt: Date, storedUpdatedAt: Date | null | undefined): boolean {
  return !storedUpdatedAt || eventUpdatedAt.getTime() > storedUpdatedAt.getTime();
}

/**
 * Every work link in a message as Slack delivers it (`<https://…|label>`, `<https://…>`) or as
 * typed (a bare URL in a slash command), each once, in order.
 */
export function workLinksIn(text: string): WorkLink[] {
  const candidates = [...text.matchAll(/<(https:\/\/[^|>\s]+)(?:\|[^>]*)?>|(https:\/\/[^\s<>|]+)/g)].map((m) => m[1] ?? m[2] ?? '');
  const seen = new Set<string>();
  const links: WorkLink[] = [];
  for (const candidate of candidates) {
    const link = parseWorkLink(candidate.replace(/[).,;:!?]+$/, ''));
    if (link && !seen.has(link.url)) {
      seen.add(link.url);
      links.push(link);
    }
  }
  return links;
}
