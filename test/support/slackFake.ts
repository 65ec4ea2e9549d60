// A local fake of the Slack Web API: the app's real WebClient talks to it over HTTP and tests assert on what it recorded.
// Like Slack, it enforces the published rate limits (slackLimits.ts) unless a test turns them off, and expires trigger IDs.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TRIGGER_LIFETIME_MS, bucketOf, dmChannelId, limitOf, messageChannel, triggerIssuedAt } from './slackLimits';

export { dmChannelId };

export interface RecordedCall {
  /** Web API method, or one of the fake's pseudo-methods `upload_url` (file bytes) and `response_url`. */
  method: string;
  /** Parsed arguments; JSON-encoded fields (blocks, view, attachments, ...) are objects again, `token` is removed. */
  args: Record<string, unknown>;
  token: string | undefined;
  /** The workspace the fake attributed the call to: the token's team (setTokenTeam), else DEFAULT_TEAM_ID. */
  teamId: string;
  /** When the fake received the call, in ms by its clock (Date.now unless setClock). */
  at: number;
  /** The body the fake answered with (an object for JSON answers, a string otherwise). */
  response: unknown;
  /** The HTTP status the fake answered with. */
  status: number;
  path: string;
  /** Set when the fake refused the call with a 429 because its rate-limit bucket was empty (not an injected failure). */
  rateLimited?: true;
}

export type CallPredicate = (call: RecordedCall) => boolean;

export interface WaitForOptions {
  count?: number;
  timeoutMs?: number;
}

export interface FailureInjection {
  /** HTTP status to answer with, e.g. 429, 500, 503. Defaults to 200 with `{ ok: false, error }`. */
  status?: number;
  error?: string;
  /** Sent as `Retry-After` with a 429; defaults to 1. */
  retryAfterSeconds?: number;
  times?: number;
}

export interface FakeUser {
  id: string;
  tz?: string;
  team_id?: string;
  name?: string;
  real_name?: string;
  is_bot?: boolean;
  /** A multi-channel guest of the workspace. */
  is_restricted?: boolean;
  /** A single-channel guest. */
  is_ultra_restricted?: boolean;
}

/** An Enterprise Grid organisation: several workspaces (teams) under one enterprise. */
export interface EnterpriseOrg {
  id: string;
  name: string;
}

export interface ChannelInfo {
  name?: string;
  is_ext_shared?: boolean;
  is_private?: boolean;
  [key: string]: unknown;
}

export interface UploadedFile {
  file_id: string;
  filename: string;
  /** Set by files.completeUploadExternal; undefined while the upload is not completed. */
  title: string | undefined;
  channel_id: string | undefined;
  initial_comment: string | undefined;
  thread_ts: string | undefined;
  content: string;
  completed: boolean;
}

export type ChannelError = 'channel_not_found' | 'not_in_channel' | 'is_archived';

export type OAuthAccessHandler = (code: string, args: Record<string, unknown>) => Record<string, unknown>;

type SlackAnswer = { ok: boolean } & Record<string, unknown>;

interface RequestContext {
  token: string | undefined;
  teamId: string;
}

export const DEFAULT_TEAM_ID = 'T0OURS';
export const BOT_USER_ID = 'U0BOT';
export const BOT_ID = 'B0BOT';
export const APP_ID = 'A0APP';
const DEFAULT_TZ = 'Europe/London';
const WORKSPACE_URL = 'https://adhoc-help.slack.com/';

// ---------------------------------------------------------------------------
// Block Kit validation: pure functions returning Slack-style problem strings,
// e.g. "must be less than 3001 characters [json-pointer:/blocks/0/text/text]".
// An empty list means Slack would accept the payload.
// ---------------------------------------------------------------------------

export type BlockSurface = 'message' | 'modal' | 'home';

const MAX_BLOCKS: Record<BlockSurface, number> = { message: 50, modal: 100, home: 100 };

const KNOWN_BLOCK_TYPES = new Set([
  'actions',
  'context',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'table',
  'video',
]);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function tooLong(max: number, pointer: string): string {
  return `must be less than ${max + 1} characters [json-pointer:${pointer}]`;
}

/** A plain_text/mrkdwn text object with 1..max characters. */
export function validateTextObject(text: unknown, max: number, pointer: string, plainOnly = false): string[] {
  if (!isRecord(text) || typeof text.text !== 'string') {
    return [`must be a text object [json-pointer:${pointer}]`];
  }
  if (text.type !== 'plain_text' && (plainOnly || text.type !== 'mrkdwn')) {
    return [`must be a ${plainOnly ? 'plain_text' : 'plain_text or mrkdwn'} text object [json-pointer:${pointer}/type]`];
  }
  if (text.text.length === 0) return [`must be more than 0 characters [json-pointer:${pointer}/text]`];
  if (text.text.length > max) return [tooLong(max, `${pointer}/text`)];
  return [];
}

function validateLength(value: unknown, max: number, pointer: string): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'string') return [`must be a string [json-pointer:${pointer}]`];
  return value.length > max ? [tooLong(max, pointer)] : [];
}

/** An interactive element: a button, select, overflow, date picker, input... */
export function validateElement(element: unknown, pointer: string): string[] {
  if (!isRecord(element) || typeof element.type !== 'string') {
    return [`must be an element with a type [json-pointer:${pointer}]`];
  }
  const problems = validateLength(element.action_id, 255, `${pointer}/action_id`);
  if (element.type === 'button') {
    problems.push(...validateTextObject(element.text, 75, `${pointer}/text`, true));
    problems.push(...validateLength(element.value, 2000, `${pointer}/value`));
    problems.push(...validateLength(element.url, 3000, `${pointer}/url`));
  }
  if (Array.isArray(element.options)) {
    if (element.options.length > 100) problems.push(`no more than 100 items allowed [json-pointer:${pointer}/options]`);
    element.options.forEach((option, i) => {
      const optionPointer = `${pointer}/options/${i}`;
      if (!isRecord(option)) {
        problems.push(`must be an option object [json-pointer:${optionPointer}]`);
        return;
      }
      problems.push(...validateTextObject(option.text, 75, `${optionPointer}/text`));
      problems.push(...validateLength(option.value, 150, `${optionPointer}/value`));
    });
  }
  return problems;
}

function validateBlock(block: Record<string, unknown>, pointer: string): string[] {
  const problems: string[] = [];
  switch (block.type) {
    case 'section': {
      if (block.text === undefined && block.fields === undefined) {
        problems.push(`must provide either text or fields [json-pointer:${pointer}]`);
      }
      if (block.text !== undefined) problems.push(...validateTextObject(block.text, 3000, `${pointer}/text`));
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields)) {
          problems.push(`must be an array [json-pointer:${pointer}/fields]`);
        } else {
          if (block.fields.length > 10) problems.push(`no more than 10 items allowed [json-pointer:${pointer}/fields]`);
          block.fields.forEach((field, i) => problems.push(...validateTextObject(field, 2000, `${pointer}/fields/${i}`)));
        }
      }
      if (block.accessory !== undefined) problems.push(...validateElement(block.accessory, `${pointer}/accessory`));
      break;
    }
    case 'header':
      problems.push(...validateTextObject(block.text, 150, `${pointer}/text`, true));
      break;
    case 'context':
      if (!Array.isArray(block.elements) || block.elements.length === 0) {
        problems.push(`must provide a non-empty elements array [json-pointer:${pointer}/elements]`);
      } else if (block.elements.length > 10) {
        problems.push(`no more than 10 items allowed [json-pointer:${pointer}/elements]`);
      }
      break;
    case 'actions': {
      if (!Array.isArray(block.elements) || block.elements.length === 0) {
        problems.push(`must provide a non-empty elements array [json-pointer:${pointer}/elements]`);
        break;
      }
      if (block.elements.length > 25) problems.push(`no more than 25 items allowed [json-pointer:${pointer}/elements]`);
      const actionIds = new Set<string>();
      block.elements.forEach((element, i) => {
        problems.push(...validateElement(element, `${pointer}/elements/${i}`));
        const actionId = isRecord(element) ? stringField(element.action_id) : undefined;
        if (actionId === undefined) return;
        if (actionIds.has(actionId)) {
          problems.push(`action_id must be unique within a block [json-pointer:${pointer}/elements/${i}/action_id]`);
        }
        actionIds.add(actionId);
      });
      break;
    }
    case 'input':
      problems.push(...validateTextObject(block.label, 2000, `${pointer}/label`, true));
      if (block.hint !== undefined) problems.push(...validateTextObject(block.hint, 2000, `${pointer}/hint`, true));
      problems.push(...validateElement(block.element, `${pointer}/element`));
      break;
    default:
      break;
  }
  return problems;
}

export function validateBlocks(blocks: unknown, surface: BlockSurface, basePointer = '/blocks'): string[] {
  if (!Array.isArray(blocks)) return [`must be an array [json-pointer:${basePointer}]`];
  const max = MAX_BLOCKS[surface];
  const problems: string[] = [];
  if (blocks.length > max) problems.push(`no more than ${max} items allowed [json-pointer:${basePointer}]`);
  const blockIds = new Set<string>();
  blocks.forEach((block, i) => {
    const pointer = `${basePointer}/${i}`;
    if (!isRecord(block) || typeof block.type !== 'string') {
      problems.push(`must be a block with a type [json-pointer:${pointer}]`);
      return;
    }
    if (!KNOWN_BLOCK_TYPES.has(block.type)) {
      problems.push(`unsupported block type ${block.type} [json-pointer:${pointer}/type]`);
      return;
    }
    problems.push(...validateLength(block.block_id, 255, `${pointer}/block_id`));
    const blockId = stringField(block.block_id);
    if (blockId !== undefined) {
      if (blockIds.has(blockId)) problems.push(`duplicate block_id ${blockId} [json-pointer:${pointer}/block_id]`);
      blockIds.add(blockId);
    }
    problems.push(...validateBlock(block, pointer));
  });
  return problems;
}

/** A modal (views.open/push/update) or Home tab (views.publish) view. */
export function validateView(view: unknown, expectedType?: 'modal' | 'home'): string[] {
  if (!isRecord(view)) return ['must be a view object [json-pointer:/view]'];
  if (view.type !== 'modal' && view.type !== 'home') return ['must be modal or home [json-pointer:/view/type]'];
  if (expectedType !== undefined && view.type !== expectedType) {
    return [`must be ${expectedType} [json-pointer:/view/type]`];
  }
  const problems: string[] = [];
  if (view.type === 'modal') {
    problems.push(...validateTextObject(view.title, 24, '/view/title', true));
    if (view.submit !== undefined) problems.push(...validateTextObject(view.submit, 24, '/view/submit', true));
    if (view.close !== undefined) problems.push(...validateTextObject(view.close, 24, '/view/close', true));
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isRecord(b) && b.type === 'input');
    if (hasInput && view.submit === undefined) {
      problems.push('must provide a submit property when using input blocks [json-pointer:/view]');
    }
  }
  problems.push(...validateLength(view.callback_id, 255, '/view/callback_id'));
  problems.push(...validateLength(view.private_metadata, 3000, '/view/private_metadata'));
  problems.push(...validateLength(view.external_id, 255, '/view/external_id'));
  problems.push(...validateBlocks(view.blocks, view.type, '/view/blocks'));
  return problems;
}

/** chat.postMessage / chat.update / chat.postEphemeral content rules. */
export function validateMessage(args: Record<string, unknown>): { error: string; problems: string[] } | undefined {
  const text = stringField(args.text);
  if (text !== undefined && text.length > 40000) return { error: 'msg_too_long', problems: [] };
  const hasText = text !== undefined && text.length > 0;
  if (!hasText && args.blocks === undefined && args.attachments === undefined) return { error: 'no_text', problems: [] };
  if (args.blocks !== undefined) {
    const problems = validateBlocks(args.blocks, 'message');
    if (problems.length > 0) return { error: 'invalid_blocks', problems };
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Request parsing
// ---------------------------------------------------------------------------

// WebClient JSON-encodes every non-primitive argument into one form field; these are the ones we turn back into objects.
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'files', 'metadata', 'unfurls', 'user_auth_blocks']);

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

async function parseArgs(body: Buffer, contentType: string): Promise<Record<string, unknown>> {
  const args: Record<string, unknown> = {};
  if (contentType.startsWith('application/json')) {
    const parsed: unknown = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
    return isRecord(parsed) ? parsed : { _body: parsed };
  }
  if (contentType.startsWith('multipart/form-data')) {
    // undici (Node's fetch) ships a multipart parser; Response is the way in.
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    for (const [key, value] of form) args[key] = typeof value === 'string' ? value : await value.text();
    return decodeJsonFields(args);
  }
  for (const [key, value] of new URLSearchParams(body.toString('utf8'))) args[key] = value;
  return decodeJsonFields(args);
}

function decodeJsonFields(args: Record<string, unknown>): Record<string, unknown> {
  for (const key of JSON_FIELDS) {
    const value = args[key];
    if (typeof value !== 'string') continue;
    try {
      args[key] = JSON.parse(value) as unknown;
    } catch {
      // Leave it as the string: validation will then reject it like Slack rejects malformed JSON.
    }
  }
  return args;
}

function bearerToken(req: http.IncomingMessage): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function tzOffsetSeconds(tz: string, at: Date = new Date()): number {
  const name = new Intl.DateTimeFormat('en-GB', { timeZone: tz, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((part) => part.type === 'timeZoneName')?.value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
  if (!match) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60;
  return match[1] === '-' ? -seconds : seconds;
}

function ok(fields: Record<string, unknown> = {}): SlackAnswer {
  return { ok: true, ...fields };
}

function fail(error: string, problems: string[] = []): SlackAnswer {
  if (problems.length === 0) return { ok: false, error };
  return { ok: false, error, response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } };
}

/**
 * Tests often start waiting, then trigger the app, then await; a rejection in between must not count as unhandled.
 * Whoever awaits the returned promise still gets the rejection.
 */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function padded(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

interface Waiter {
  method: string;
  onCall(): void;
  cancel(reason: Error): void;
}

interface StoredMessage extends Record<string, unknown> {
  ts: string;
}

interface UploadSlot {
  filename: string;
  content: string | undefined;
  title: string | undefined;
  channel_id: string | undefined;
  initial_comment: string | undefined;
  thread_ts: string | undefined;
  completed: boolean;
}

type Handler = (args: Record<string, unknown>, ctx: RequestContext) => SlackAnswer;

export type Clock = () => number;

export interface SlackFakeOptions {
  /** Milliseconds since the epoch; drives rate-limit refill, trigger expiry and `at`. Defaults to Date.now. */
  clock?: Clock;
  /**
   * Slack's published limits are enforced unless this is false: for a test that needs an unlimited
   * Slack and says why (it also runs the app with SLACK_PACE=off). reset() keeps this choice.
   */
  rateLimits?: boolean;
}

interface ConditionalFailure {
  method: string;
  predicate: (args: Record<string, unknown>) => boolean;
  failure: FailureInjection;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class SlackFake {
  readonly calls: RecordedCall[] = [];

  private server: http.Server | undefined;
  private origin = '';
  private readonly waiters = new Set<Waiter>();
  private readonly timers = new Set<NodeJS.Timeout>();

  // Configuration (cleared by reset()).
  private tokenTeams = new Map<string, string>();
  private teamEnterprises = new Map<string, EnterpriseOrg>();
  private revokedTokens = new Set<string>();
  private users = new Map<string, FakeUser>();
  private channelInfo = new Map<string, ChannelInfo>();
  private channelMembers = new Map<string, string[]>();
  private channelErrors = new Map<string, ChannelError>();
  private failures = new Map<string, FailureInjection[]>();
  private conditionalFailures: ConditionalFailure[] = [];
  private outage: FailureInjection | undefined;
  private oauthAccess: OAuthAccessHandler = () => ({ ok: false, error: 'invalid_code' });
  private latencyMs = 0;
  /** Calls received and held by the latency, by path. */
  private held = new Map<string, number>();
  private socketModeUrl: string | undefined;
  private rateLimits = true;
  private clock: Clock;

  // Workspace state (cleared by reset()).
  private sequence = 0;
  private messages = new Map<string, Map<string, StoredMessage>>();
  private views = new Map<string, Record<string, unknown>>();
  private homeViews = new Map<string, Record<string, unknown>>();
  private usedTriggers = new Set<string>();
  private reactions = new Set<string>();
  private uploads = new Map<string, UploadSlot>();
  private buckets = new Map<string, Bucket>();

  private readonly defaultClock: Clock;
  private readonly defaultRateLimits: boolean;

  constructor(options: SlackFakeOptions = {}) {
    this.defaultClock = options.clock ?? Date.now;
    this.clock = this.defaultClock;
    this.defaultRateLimits = options.rateLimits ?? true;
    this.rateLimits = this.defaultRateLimits;
  }

  private readonly handlers: Record<string, Handler> = {
    'auth.test': (_args, ctx) => {
      // Slack adds enterprise_id only for a workspace of an Enterprise Grid organisation.
      const enterprise = this.teamEnterprises.get(ctx.teamId);
      return ok({
        url: WORKSPACE_URL,
        team: 'Ad-hoc Help',
        user: 'adhoc-help',
        team_id: ctx.teamId,
        user_id: BOT_USER_ID,
        bot_id: BOT_ID,
        ...(enterprise ? { enterprise_id: enterprise.id } : {}),
        is_enterprise_install: false,
      });
    },
    'chat.postMessage': (args, ctx) => this.postMessage(args, ctx),
    'chat.update': (args) => this.updateMessage(args),
    'chat.postEphemeral': (args) => this.postEphemeral(args),
    'chat.delete': (args) => this.deleteMessage(args),
    'chat.getPermalink': (args) => this.getPermalink(args),
    'views.open': (args, ctx) => this.openView(args, ctx, 'views.open'),
    'views.push': (args, ctx) => this.openView(args, ctx, 'views.push'),
    'views.update': (args) => this.updateView(args),
    'views.publish': (args, ctx) => this.publishView(args, ctx),
    'users.info': (args) => this.userInfo(args),
    'conversations.open': (args) => this.openConversation(args),
    'conversations.info': (args) => this.conversationInfo(args),
    'conversations.members': (args) => this.conversationMembers(args),
    'conversations.history': (args) => this.conversationHistory(args),
    'conversations.replies': (args) => this.conversationReplies(args),
    'reactions.add': (args) => this.react(args, 'add'),
    'reactions.remove': (args) => this.react(args, 'remove'),
    'files.getUploadURLExternal': (args) => this.getUploadUrl(args),
    'files.completeUploadExternal': (args) => this.completeUpload(args),
    'oauth.v2.access': (args) => ({ ok: true, ...this.oauthAccess(stringField(args.code) ?? '', args) }),
    // Socket Mode: only an app-level token may open a connection, and only when a socket is served.
    'apps.connections.open': (_args, ctx) => {
      if (!ctx.token?.startsWith('xapp-')) return fail('not_allowed_token_type');
      return this.socketModeUrl ? ok({ url: this.socketModeUrl }) : fail('internal_error');
    },
  };

  // ---- lifecycle -----------------------------------------------------------

  async start(): Promise<void> {
    if (this.server) throw new Error('SlackFake already started');
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`SlackFake failed: ${error instanceof Error ? error.stack : String(error)}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    this.server = server;
    this.origin = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of [...this.waiters]) waiter.cancel(new Error('SlackFake stopped while a test was still waiting'));
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // close() alone waits for keep-alive sockets that undici (WebClient's fetch) holds open.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Origin of the fake, e.g. `http://127.0.0.1:PORT`; give it to SlackClientSimulator as `responseUrlBase`. */
  get baseUrl(): string {
    if (!this.origin) throw new Error('SlackFake not started');
    return this.origin;
  }

  /** What to pass as WebClient `slackApiUrl`. */
  get url(): string {
    return `${this.baseUrl}/api/`;
  }

  /** Forgets all calls, state and configuration, as if freshly started (the listening port is kept). */
  reset(): void {
    this.calls.length = 0;
    this.tokenTeams = new Map();
    this.teamEnterprises = new Map();
    this.revokedTokens = new Set();
    this.users = new Map();
    this.channelInfo = new Map();
    this.channelMembers = new Map();
    this.channelErrors = new Map();
    this.failures = new Map();
    this.conditionalFailures = [];
    this.outage = undefined;
    this.oauthAccess = () => ({ ok: false, error: 'invalid_code' });
    this.latencyMs = 0;
    this.socketModeUrl = undefined;
    this.rateLimits = this.defaultRateLimits;
    this.clock = this.defaultClock;
    // Message timestamps go on increasing: Slack never gives a channel the same ts twice, and the
    // app's records of messages posted before the reset are still in its database.
    this.messages = new Map();
    this.views = new Map();
    this.homeViews = new Map();
    this.usedTriggers = new Set();
    this.reactions = new Set();
    this.uploads = new Map();
    this.buckets = new Map();
  }

  /** Forgets the recorded calls only. */
  clearCalls(): void {
    this.calls.length = 0;
  }

  // ---- configuration ---------------------------------------------------------

  setTokenTeam(token: string, teamId: string): void {
    this.tokenTeams.set(token, teamId);
  }

  /**
   * Makes `teamId` a workspace of an Enterprise Grid organisation: auth.test of its tokens says
   * `enterprise_id`, and users.info of its people carries `enterprise_user`, as Slack answers there.
   */
  setTeamEnterprise(teamId: string, enterprise: EnterpriseOrg): void {
    this.teamEnterprises.set(teamId, enterprise);
  }

  revokeToken(token: string): void {
    this.revokedTokens.add(token);
  }

  /** The WebSocket URL apps.connections.open hands out (see socketModeServer.ts). */
  serveSocketMode(url: string): void {
    this.socketModeUrl = url;
  }

  setUser(user: FakeUser): void {
    if (user.tz !== undefined) tzOffsetSeconds(user.tz); // throws RangeError now rather than inside a request
    this.users.set(user.id, user);
  }

  setChannelInfo(channel: string, info: ChannelInfo): void {
    this.channelInfo.set(channel, info);
  }

  setChannelMembers(channel: string, users: string[]): void {
    this.channelMembers.set(channel, [...users]);
  }

  setChannelError(channel: string, error: ChannelError | undefined): void {
    if (error === undefined) this.channelErrors.delete(channel);
    else this.channelErrors.set(channel, error);
  }

  setOAuthAccess(handler: OAuthAccessHandler): void {
    this.oauthAccess = handler;
  }

  /** Makes the next `times` (default 1) calls to `method` fail; queued injections are used in order. */
  failNext(method: string, failure: FailureInjection): void {
    const queue = this.failures.get(method) ?? [];
    queue.push({ ...failure, times: failure.times ?? 1 });
    this.failures.set(method, queue);
  }

  /**
   * Makes every call to `method` whose arguments match fail, `times` times (until the returned
   * function is called, or reset(), without `times`). Checked after failNext's injections.
   */
  failWhen(method: string, predicate: (args: Record<string, unknown>) => boolean, failure: FailureInjection): () => void {
    const entry: ConditionalFailure = { method, predicate, failure: { ...failure } };
    this.conditionalFailures.push(entry);
    return () => {
      this.conditionalFailures = this.conditionalFailures.filter((e) => e !== entry);
    };
  }

  /**
   * Slack is down: every call (Web API, file upload, response_url) is answered with `failure`
   * (default HTTP 503) until setOutage(undefined).
   */
  setOutage(failure: Omit<FailureInjection, 'times'> | undefined): void {
    this.outage = failure === undefined ? undefined : { status: 503, ...failure };
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** How many calls to the Web API `method` are being held by setLatency right now (received, not answered). */
  heldCalls(method: string): number {
    return this.held.get(`/api/${method}`) ?? 0;
  }

  /**
   * Slack's published rate limits (slackLimits.ts) are enforced by default, as Slack does; a test that
   * needs an unlimited Slack turns them off here and says why. Turning them on again starts from full buckets.
   */
  setRateLimits(enabled: boolean): void {
    this.rateLimits = enabled;
    this.buckets = new Map();
  }

  /** Replaces the clock (ms since the epoch) so tests can move time for refills and trigger expiry; undefined restores it. */
  setClock(clock: Clock | undefined): void {
    this.clock = clock ?? this.defaultClock;
  }

  // ---- inspection ------------------------------------------------------------

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** The calls the fake refused with a 429 because a rate-limit bucket was empty (injected failures are not included). */
  rateLimited(): RecordedCall[] {
    return this.calls.filter((call) => call.rateLimited === true);
  }

  /** The current state of a message the app posted (after any chat.update), or undefined once deleted. */
  message(channel: string, ts: string): Record<string, unknown> | undefined {
    return this.messages.get(channel)?.get(ts);
  }

  /** Messages currently in a channel (root messages and thread replies), oldest first. */
  messagesIn(channel: string): Record<string, unknown>[] {
    return [...(this.messages.get(channel)?.values() ?? [])];
  }

  view(viewId: string): Record<string, unknown> | undefined {
    return this.views.get(viewId);
  }

  homeView(userId: string): Record<string, unknown> | undefined {
    return this.homeViews.get(userId);
  }

  uploadedFiles(): UploadedFile[] {
    const files: UploadedFile[] = [];
    for (const [fileId, slot] of this.uploads) {
      if (slot.content === undefined) continue;
      files.push({
        file_id: fileId,
        filename: slot.filename,
        title: slot.title,
        channel_id: slot.channel_id,
        initial_comment: slot.initial_comment,
        thread_ts: slot.thread_ts,
        content: slot.content,
        completed: slot.completed,
      });
    }
    return files;
  }

  /**
   * The body the app posted to `responseUrl` (one of this fake's), once it has: a command answered
   * after ACK_BUDGET_MS ("Working on it…") is answered there.
   */
  async answerAt(responseUrl: string, timeoutMs = 20_000): Promise<string> {
    const path = new URL(responseUrl).pathname;
    const [answer] = await this.waitFor('response_url', (c) => c.path === path, { timeoutMs });
    return JSON.stringify(answer?.args ?? {});
  }

  /**
   * Resolves with the matching calls once at least `count` have been recorded (earlier ones count too);
   * rejects after `timeoutMs` listing what was recorded instead.
   */
  waitFor(method: string, predicate?: CallPredicate, opts: WaitForOptions = {}): Promise<RecordedCall[]> {
    const count = opts.count ?? 1;
    const timeoutMs = opts.timeoutMs ?? 5000;
    const matching = (): RecordedCall[] => this.matching(method, predicate);
    const already = matching();
    if (already.length >= count) return Promise.resolve(already.slice(0, count));

    return handled(new Promise((resolve, reject) => {
      const waiter: Waiter = {
        method,
        onCall: () => {
          const found = matching();
          if (found.length < count) return;
          this.waiters.delete(waiter);
          clearTimeout(timer);
          resolve(found.slice(0, count));
        },
        cancel: (reason) => {
          this.waiters.delete(waiter);
          clearTimeout(timer);
          reject(reason);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const found = matching().length;
        reject(
          new Error(
            `SlackFake: timed out after ${timeoutMs}ms waiting for ${count} call(s) to ${method}` +
              `${predicate ? ' matching the predicate' : ''}; ${found} matched. Recorded so far: ${this.describeCalls()}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    }));
  }

  /**
   * Resolves after `withinMs` of quiet; rejects as soon as a matching call exists. Calls recorded before this
   * was called count too, so reset()/clearCalls() first or narrow the predicate (e.g. on `at`) to ignore them.
   */
  expectNoCall(method: string, predicate?: CallPredicate, withinMs = 300): Promise<void> {
    const offending = (): string | undefined => {
      const found = this.matching(method, predicate)[0];
      return found === undefined
        ? undefined
        : `SlackFake: expected no call to ${method}${predicate ? ' matching the predicate' : ''}, ` +
            `but got one with args ${JSON.stringify(found.args)}`;
    };
    const early = offending();
    if (early !== undefined) return Promise.reject(new Error(early));

    return handled(new Promise((resolve, reject) => {
      const waiter: Waiter = {
        method,
        onCall: () => {
          const message = offending();
          if (message !== undefined) waiter.cancel(new Error(message));
        },
        cancel: (reason) => {
          this.waiters.delete(waiter);
          clearTimeout(timer);
          reject(reason);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve();
      }, withinMs);
      this.waiters.add(waiter);
    }));
  }

  private matching(method: string, predicate: CallPredicate | undefined): RecordedCall[] {
    return this.calls.filter((call) => call.method === method && (predicate === undefined || predicate(call)));
  }

  private describeCalls(): string {
    if (this.calls.length === 0) return '(none)';
    return this.calls
      .slice(-40)
      .map((call) => {
        const answer = isRecord(call.response) && call.response.ok === false ? ` -> ${String(call.response.error)}` : '';
        return `${call.method}${call.status === 200 ? '' : ` [HTTP ${call.status}]`}${answer}`;
      })
      .join(', ');
  }

  // ---- HTTP ------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', this.origin).pathname;
    if (this.latencyMs > 0) {
      this.held.set(path, (this.held.get(path) ?? 0) + 1);
      try {
        await this.delay(this.latencyMs);
      } finally {
        this.held.set(path, (this.held.get(path) ?? 1) - 1);
      }
    }
    const contentType = req.headers['content-type'] ?? '';

    const [, route, name] = /^\/(api|upload|response_url)\/(.+)$/.exec(path) ?? [];
    if (route === undefined || name === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const method = route === 'api' ? name : route === 'upload' ? 'upload_url' : 'response_url';
    const args = route === 'upload' ? { file_id: name } : await parseArgs(body, contentType);
    const token = bearerToken(req) ?? stringField(args.token);
    delete args.token;
    const teamId = (token !== undefined ? this.tokenTeams.get(token) : undefined) ?? DEFAULT_TEAM_ID;

    const injected = this.outage ?? this.takeFailure(method) ?? this.takeConditionalFailure(method, args);
    if (injected) {
      this.answerWithFailure(res, { method, args, token, teamId, path }, injected);
      return;
    }

    const retryAfter = this.takeToken(method, teamId, args);
    if (retryAfter !== undefined) {
      const answer = fail('ratelimited');
      this.record({ method, args, token, teamId, path, status: 429, response: answer, rateLimited: true });
      res.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfter) });
      res.end(JSON.stringify(answer));
      return;
    }

    if (route === 'upload') {
      const answer = await this.receiveUpload(name, body, contentType);
      this.record({ method, args, token, teamId, path, status: answer.status, response: answer.body });
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      res.end(answer.body);
      return;
    }
    if (route === 'response_url') {
      const answer = this.respond(name, args);
      this.record({ method, args, token, teamId, path, status: answer.status, response: answer.body });
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      res.end(answer.body);
      return;
    }

    const answer = this.answerApiCall(method, args, token, teamId);
    this.record({ method, args, token, teamId, path, status: 200, response: answer });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(answer));
  }

  private answerApiCall(method: string, args: Record<string, unknown>, token: string | undefined, teamId: string): SlackAnswer {
    const handler = this.handlers[method];
    if (!handler) return fail('unknown_method');
    if (method !== 'oauth.v2.access') {
      if (token === undefined || token === '') return fail('not_authed');
      if (this.revokedTokens.has(token)) return fail('token_revoked');
    }
    const channel = stringField(args.channel) ?? stringField(args.channel_id);
    const channelError = channel === undefined ? undefined : this.channelErrors.get(channel);
    if (channelError !== undefined) return fail(channelError);
    return handler(args, { token, teamId });
  }

  /**
   * Takes one token from the call's bucket (refilled continuously, starting full); when there is not a
   * whole one, takes nothing and returns the Retry-After seconds until there is.
   */
  private takeToken(method: string, teamId: string, args: Record<string, unknown>): number | undefined {
    if (!this.rateLimits) return undefined;
    const id = bucketOf(method, teamId, args);
    const limit = limitOf(method);
    if (id === undefined || limit === undefined) return undefined;
    const now = this.clock();
    const bucket = this.buckets.get(id) ?? { tokens: limit.capacity, updatedAt: now };
    const elapsedSeconds = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(limit.capacity, bucket.tokens + elapsedSeconds * limit.perSecond);
    bucket.updatedAt = now;
    this.buckets.set(id, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
  }

  private takeFailure(method: string): FailureInjection | undefined {
    const queue = this.failures.get(method);
    const next = queue?.[0];
    if (!queue || !next) return undefined;
    next.times = (next.times ?? 1) - 1;
    if (next.times <= 0) queue.shift();
    return next;
  }

  private takeConditionalFailure(method: string, args: Record<string, unknown>): FailureInjection | undefined {
    const entry = this.conditionalFailures.find((e) => e.method === method && e.predicate(args));
    if (!entry) return undefined;
    if (entry.failure.times !== undefined) {
      entry.failure.times -= 1;
      if (entry.failure.times <= 0) this.conditionalFailures = this.conditionalFailures.filter((e) => e !== entry);
    }
    return entry.failure;
  }

  private answerWithFailure(
    res: http.ServerResponse,
    call: Pick<RecordedCall, 'method' | 'args' | 'token' | 'teamId' | 'path'>,
    failure: FailureInjection,
  ): void {
    const status = failure.status ?? 200;
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    let answer: SlackAnswer;
    if (status === 429) {
      headers['retry-after'] = String(failure.retryAfterSeconds ?? 1);
      answer = fail(failure.error ?? 'ratelimited');
    } else if (status === 200) {
      answer = fail(failure.error ?? 'internal_error');
    } else {
      answer = fail(failure.error ?? 'fatal_error');
    }
    this.record({ ...call, status, response: answer });
    res.writeHead(status, headers);
    res.end(JSON.stringify(answer));
  }

  private record(call: Omit<RecordedCall, 'at'>): void {
    this.calls.push({ ...call, at: this.clock() });
    for (const waiter of [...this.waiters]) {
      if (waiter.method === call.method) waiter.onCall();
    }
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private nextId(prefix: string): string {
    this.sequence += 1;
    return `${prefix}${padded(this.sequence, 10)}`;
  }

  /** Unique, increasing message timestamps: 1700000000.000100, 1700000000.000200, ... */
  private nextTs(): string {
    this.sequence += 1;
    const micros = this.sequence * 100;
    return `${1700000000 + Math.floor(micros / 1_000_000)}.${padded(micros % 1_000_000, 6)}`;
  }

  // ---- chat ------------------------------------------------------------------

  private postMessage(args: Record<string, unknown>, ctx: RequestContext): SlackAnswer {
    const requested = stringField(args.channel);
    if (!requested) return fail('channel_not_found');
    const invalid = validateMessage(args);
    if (invalid) return fail(invalid.error, invalid.problems);
    // Posting to a user ID lands in the app's DM with that user.
    const channel = messageChannel(requested);
    const ts = this.nextTs();
    const message: StoredMessage = {
      type: 'message',
      ts,
      user: BOT_USER_ID,
      bot_id: BOT_ID,
      app_id: APP_ID,
      team: ctx.teamId,
      text: stringField(args.text) ?? '',
      ...(args.blocks !== undefined && { blocks: args.blocks }),
      ...(args.attachments !== undefined && { attachments: args.attachments }),
      ...(args.metadata !== undefined && { metadata: args.metadata }),
      ...(typeof args.thread_ts === 'string' && { thread_ts: args.thread_ts }),
    };
    const inChannel = this.messages.get(channel) ?? new Map<string, StoredMessage>();
    inChannel.set(ts, message);
    this.messages.set(channel, inChannel);
    return ok({ channel, ts, message });
  }

  /** A message someone typed in Slack (not through the API), for reactions, shortcuts and threads. */
  addUserMessage(channel: string, message: { ts: string; user: string; text: string; thread_ts?: string }): void {
    const inChannel = this.messages.get(channel) ?? new Map<string, StoredMessage>();
    inChannel.set(message.ts, { type: 'message', ...message });
    this.messages.set(channel, inChannel);
  }

  private channelMessages(channel: string): StoredMessage[] {
    return [...(this.messages.get(channel)?.values() ?? [])].sort((a, b) => Number(b.ts) - Number(a.ts));
  }

  // Top-level messages, newest first, at or before `latest` (inclusive when asked).
  private conversationHistory(args: Record<string, unknown>): SlackAnswer {
    const channel = stringField(args.channel);
    if (!channel) return fail('channel_not_found');
    const error = this.channelErrors.get(channel);
    if (error) return fail(error);
    const latest = stringField(args.latest);
    const inclusive = args.inclusive === 'true' || args.inclusive === true;
    const limit = Number(stringField(args.limit) ?? 100);
    const messages = this.channelMessages(channel)
      .filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts)
      .filter((m) => latest === undefined || Number(m.ts) < Number(latest) || (inclusive && m.ts === latest))
      .slice(0, limit);
    return ok({ messages, has_more: false });
  }

  // A thread: the parent, then its replies, oldest first.
  private conversationReplies(args: Record<string, unknown>): SlackAnswer {
    const channel = stringField(args.channel);
    const ts = stringField(args.ts);
    if (!channel) return fail('channel_not_found');
    if (!ts) return fail('invalid_arguments');
    const all = this.channelMessages(channel);
    const target = all.find((m) => m.ts === ts);
    if (!target) return fail('thread_not_found');
    const root = typeof target.thread_ts === 'string' ? target.thread_ts : target.ts;
    const thread = all.filter((m) => m.ts === root || m.thread_ts === root).reverse();
    return ok({ messages: thread, has_more: false });
  }

  private updateMessage(args: Record<string, unknown>): SlackAnswer {
    const channel = stringField(args.channel);
    const ts = stringField(args.ts);
    if (!channel) return fail('channel_not_found');
    if (!ts) return fail('invalid_arguments');
    const invalid = validateMessage(args);
    if (invalid) return fail(invalid.error, invalid.problems);
    const existing = this.messages.get(channel)?.get(ts);
    if (!existing) return fail('message_not_found');
    const updated: StoredMessage = { ...existing, text: stringField(args.text) ?? '', edited: { user: BOT_USER_ID } };
    for (const key of ['blocks', 'attachments', 'metadata'] as const) {
      if (args[key] !== undefined) updated[key] = args[key];
    }
    this.messages.get(channel)?.set(ts, updated);
    return ok({ channel, ts, text: updated.text, message: updated });
  }

  /**
   * A response_url used. A click's URL names its message (actions/T/<channel>/<ts>/…, see
   * slackRequests.ts): replace_original updates that message in place, delete_original deletes it.
   * Anything else (an ephemeral answer, a command's URL) is only recorded.
   */
  private respond(name: string, args: Record<string, unknown>): { status: number; body: string } {
    const [, channel, ts] = /^actions\/[^/]+\/([CDG][A-Z0-9]+)\/(\d+\.\d+)\/[^/]+\/[^/]+$/.exec(name) ?? [];
    if (!channel || !ts || (args.replace_original !== true && args.delete_original !== true)) return { status: 200, body: 'ok' };
    const existing = this.messages.get(channel)?.get(ts);
    if (!existing) return { status: 404, body: 'message_not_found' };
    if (args.delete_original === true) {
      this.messages.get(channel)?.delete(ts);
      return { status: 200, body: 'ok' };
    }
    const invalid = validateMessage(args);
    if (invalid) return { status: 400, body: invalid.error };
    const updated: StoredMessage = { ...existing, text: stringField(args.text) ?? '', edited: { user: BOT_USER_ID } };
    if (args.blocks !== undefined) updated.blocks = args.blocks;
    this.messages.get(channel)?.set(ts, updated);
    return { status: 200, body: 'ok' };
  }

  private postEphemeral(args: Record<string, unknown>): SlackAnswer {
    const channel = stringField(args.channel);
    const user = stringField(args.user);
    if (!channel) return fail('channel_not_found');
    if (!user) return fail('user_not_found');
    const members = this.channelMembers.get(channel);
    if (members !== undefined && !members.includes(user)) return fail('user_not_in_channel');
    const invalid = validateMessage(args);
    if (invalid) return fail(invalid.error, invalid.problems);
    return ok({ message_ts: this.nextTs() });
  }

  private deleteMessage(args: Record<string, unknown>): SlackAnswer {
    const channel = stringField(args.channel);
    const ts = stringField(args.ts);
    if (!channel) return fail('channel_not_found');
    if (!ts || !this.messages.get(channel)?.delete(ts)) return fail('message_not_found');
    return ok({ channel, ts });
  }

  // Lenient on purpose: Slack links any existing message, including users' messages the fake never saw.
  private getPermalink(args: Record<string, unknown>): SlackAnswer {
    const channel = stringField(args.channel);
    const ts = stringField(args.message_ts);
    if (!channel) return fail('channel_not_found');
    if (!ts) return fail('message_not_found');
    return ok({ channel, permalink: `${WORKSPACE_URL}archives/${channel}/p${ts.replace('.', '')}` });
  }

  // ---- views -----------------------------------------------------------------

  private openView(args: Record<string, unknown>, ctx: RequestContext, method: 'views.open' | 'views.push'): SlackAnswer {
    const triggerId = stringField(args.trigger_id);
    if (!triggerId) return fail('invalid_arguments', ['missing required field: trigger_id']);
    const problems = validateView(args.view, 'modal');
    if (problems.length > 0 || !isRecord(args.view)) return fail('invalid_arguments', problems);
    // Only IDs in the simulator's format say when they were issued; hand-written ones never expire.
    const issuedAt = triggerIssuedAt(triggerId);
    if (issuedAt !== undefined && this.clock() - issuedAt > TRIGGER_LIFETIME_MS) return fail('expired_trigger_id');
    if (this.usedTriggers.has(triggerId)) return fail('exchanged_trigger_id');
    this.usedTriggers.add(triggerId);
    const id = this.nextId('V');
    const view = this.storedView(args.view, id, ctx, method === 'views.open' ? id : undefined);
    return ok({ view });
  }

  private updateView(args: Record<string, unknown>): SlackAnswer {
    const viewId = stringField(args.view_id);
    const externalId = stringField(args.external_id);
    if (viewId === undefined && externalId === undefined) return fail('invalid_arguments', ['view_id or external_id required']);
    const existing =
      viewId !== undefined
        ? this.views.get(viewId)
        : [...this.views.values()].find((v) => v.external_id === externalId);
    const problems = validateView(args.view);
    if (problems.length > 0 || !isRecord(args.view)) return fail('invalid_arguments', problems);
    if (!existing) return fail('not_found');
    const hash = stringField(args.hash);
    if (hash !== undefined && hash !== existing.hash) return fail('hash_conflict');
    const id = String(existing.id);
    const view = {
      ...existing,
      ...args.view,
      state: { values: {} },
      hash: this.nextId('h'),
    };
    this.views.set(id, view);
    return ok({ view });
  }

  private publishView(args: Record<string, unknown>, ctx: RequestContext): SlackAnswer {
    const userId = stringField(args.user_id);
    if (!userId) return fail('invalid_arguments', ['missing required field: user_id']);
    const problems = validateView(args.view, 'home');
    if (problems.length > 0 || !isRecord(args.view)) return fail('invalid_arguments', problems);
    const previous = this.homeViews.get(userId);
    const hash = stringField(args.hash);
    if (hash !== undefined && previous !== undefined && hash !== previous.hash) return fail('hash_conflict');
    const id = typeof previous?.id === 'string' ? previous.id : this.nextId('V');
    const view = this.storedView(args.view, id, ctx, undefined);
    this.homeViews.set(userId, view);
    return ok({ view });
  }

  private storedView(
    submitted: Record<string, unknown>,
    id: string,
    ctx: RequestContext,
    rootViewId: string | undefined,
  ): Record<string, unknown> {
    const view: Record<string, unknown> = {
      id,
      team_id: ctx.teamId,
      app_id: APP_ID,
      bot_id: BOT_ID,
      app_installed_team_id: ctx.teamId,
      private_metadata: '',
      callback_id: '',
      external_id: '',
      ...submitted,
      state: { values: {} },
      hash: this.nextId('h'),
      root_view_id: rootViewId ?? id,
      previous_view_id: null,
    };
    this.views.set(id, view);
    return view;
  }

  // ---- users and conversations ---------------------------------------------

  private userInfo(args: Record<string, unknown>): SlackAnswer {
    const id = stringField(args.user);
    if (!id) return fail('user_not_found');
    const known = this.users.get(id);
    const tz = known?.tz ?? DEFAULT_TZ;
    const name = known?.name ?? id.toLowerCase();
    const realName = known?.real_name ?? name;
    const teamId = known?.team_id ?? DEFAULT_TEAM_ID;
    const enterprise = this.teamEnterprises.get(teamId);
    return ok({
      user: {
        id,
        team_id: teamId,
        name,
        real_name: realName,
        deleted: false,
        is_bot: known?.is_bot ?? false,
        is_restricted: known?.is_restricted ?? false,
        is_ultra_restricted: known?.is_ultra_restricted ?? false,
        tz,
        tz_label: tz,
        tz_offset: tzOffsetSeconds(tz),
        profile: { display_name: name, real_name: realName },
        // On Enterprise Grid, Slack says which organisation the person belongs to.
        ...(enterprise
          ? {
              enterprise_user: {
                id,
                enterprise_id: enterprise.id,
                enterprise_name: enterprise.name,
                is_admin: false,
                is_owner: false,
                is_primary_owner: false,
                teams: [teamId],
              },
            }
          : {}),
      },
    });
  }

  private openConversation(args: Record<string, unknown>): SlackAnswer {
    const users = (stringField(args.users) ?? '').split(',').filter((u) => u.length > 0);
    const first = users[0];
    if (first === undefined) return fail('users_list_not_supplied');
    const id = users.length === 1 ? dmChannelId(first) : `G${[...users].sort().join('')}`;
    return ok({ channel: { id } });
  }

  private conversationInfo(args: Record<string, unknown>): SlackAnswer {
    const id = stringField(args.channel);
    if (!id) return fail('channel_not_found');
    const isIm = id.startsWith('D');
    return ok({
      channel: {
        id,
        name: `channel-${id.toLowerCase()}`,
        is_channel: !isIm,
        is_im: isIm,
        is_private: false,
        is_ext_shared: false,
        is_archived: false,
        ...this.channelInfo.get(id),
      },
    });
  }

  private conversationMembers(args: Record<string, unknown>): SlackAnswer {
    const id = stringField(args.channel);
    if (!id) return fail('channel_not_found');
    return ok({ members: this.channelMembers.get(id) ?? [], response_metadata: { next_cursor: '' } });
  }

  private react(args: Record<string, unknown>, action: 'add' | 'remove'): SlackAnswer {
    const channel = stringField(args.channel);
    const ts = stringField(args.timestamp);
    const name = stringField(args.name);
    if (!channel) return fail('channel_not_found');
    if (!ts || !name) return fail('invalid_arguments');
    const key = `${channel}/${ts}/${name}`;
    if (action === 'add') {
      if (this.reactions.has(key)) return fail('already_reacted');
      this.reactions.add(key);
    } else if (!this.reactions.delete(key)) {
      return fail('no_reaction');
    }
    return ok();
  }

  // ---- files (upload v2: get URL, POST bytes, complete) ---------------------

  private getUploadUrl(args: Record<string, unknown>): SlackAnswer {
    const filename = stringField(args.filename);
    const length = Number(args.length);
    if (!filename || !Number.isInteger(length) || length < 0) return fail('invalid_arguments');
    const fileId = this.nextId('F');
    this.uploads.set(fileId, {
      filename,
      content: undefined,
      title: undefined,
      channel_id: undefined,
      initial_comment: undefined,
      thread_ts: undefined,
      completed: false,
    });
    return ok({ upload_url: `${this.baseUrl}/upload/${fileId}`, file_id: fileId });
  }

  // WebClient posts the bytes as multipart/form-data with a single part named "body"; accept a raw body too.
  private async receiveUpload(fileId: string, body: Buffer, contentType: string): Promise<{ status: number; body: string }> {
    const slot = this.uploads.get(fileId);
    if (!slot) return { status: 404, body: 'unknown upload' };
    let content = body.toString('utf8');
    if (contentType.startsWith('multipart/form-data')) {
      const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
      const part = form.get('body') ?? [...form.values()][0];
      content = part === undefined || part === null ? '' : typeof part === 'string' ? part : await part.text();
    }
    slot.content = content;
    return { status: 200, body: `OK - ${Buffer.byteLength(content)}` };
  }

  private completeUpload(args: Record<string, unknown>): SlackAnswer {
    if (!Array.isArray(args.files) || args.files.length === 0) return fail('invalid_arguments');
    const completed: Record<string, unknown>[] = [];
    for (const file of args.files) {
      const id = isRecord(file) ? stringField(file.id) : undefined;
      const slot = id === undefined ? undefined : this.uploads.get(id);
      if (id === undefined || !slot || slot.content === undefined) return fail('file_not_found');
      slot.title = (isRecord(file) ? stringField(file.title) : undefined) ?? slot.filename;
      slot.channel_id = stringField(args.channel_id);
      slot.initial_comment = stringField(args.initial_comment);
      slot.thread_ts = stringField(args.thread_ts);
      slot.completed = true;
      completed.push({ id, title: slot.title, name: slot.filename, size: Buffer.byteLength(slot.content) });
    }
    return ok({ files: completed });
  }
}
