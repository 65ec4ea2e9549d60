// Sends real-shaped, correctly signed Slack requests (commands, interactions, events) to the app's /slack/events.
import { createHmac, randomBytes } from 'node:crypto';
import { WORKING_ON_IT } from '../../src/slack/listeners/replies';
import { formatTriggerId } from './slackLimits';

/** The `x-slack-signature` Slack sends: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`. */
export function signSlackRequest(signingSecret: string, timestampSeconds: number, rawBody: string): string {
  const hmac = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${rawBody}`);
  return `v0=${hmac.digest('hex')}`;
}

export interface SimulatedResponse {
  status: number;
  body: string;
  /** The body parsed as JSON; throws if it is not JSON (Bolt answers a bare ack with an empty body). */
  json(): unknown;
  elapsedMs: number;
  headers: Record<string, string>;
  /**
   * The command was acknowledged with "Working on it…" (its answer was not ready within the app's
   * ACK_BUDGET_MS) and `body` is the answer that followed through its response_url.
   */
  deferred?: true;
}

export interface SlackClientSimulatorOptions {
  /** Where the app listens, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  signingSecret: string;
  path?: string;
  /** Origin that receives response_url posts, normally `SlackFake.baseUrl`. */
  responseUrlBase?: string;
  /** The workspace the app is installed in. */
  teamId?: string;
  apiAppId?: string;
  /**
   * Given, a command acknowledged with "Working on it…" resolves with the answer posted to its
   * response_url instead (what the person ends up seeing): this returns that post's body.
   */
  followDeferred?: (responseUrl: string) => Promise<string>;
}

export interface SimulatedUser {
  id: string;
  team_id?: string;
  name?: string;
}

export interface SlashCommandOptions {
  command?: string;
  text?: string;
  user_id: string;
  channel_id: string;
  team_id?: string;
  /** The Enterprise Grid organisation of the team, as Slack sends it for a workspace of one. */
  enterprise_id?: string;
  user_name?: string;
  channel_name?: string;
  trigger_id?: string;
}

export interface SimulatedButton {
  action_id: string;
  value?: string;
  block_id?: string;
  type?: 'button';
  text?: string;
}

export interface BlockActionOptions {
  user: SimulatedUser;
  channel?: { id: string; name?: string };
  container?: Record<string, unknown>;
  message?: Record<string, unknown> & { ts: string };
  /** For actions inside a modal or the Home tab. */
  view?: Record<string, unknown> & { id: string };
  actions: SimulatedButton[];
  trigger_id?: string;
  team?: { id: string; domain?: string } | null;
  state?: Record<string, unknown>;
}

export interface ViewSubmissionOptions {
  user: SimulatedUser;
  view: {
    callback_id: string;
    private_metadata?: string;
    state: { values: Record<string, unknown> };
    id?: string;
    hash?: string;
    blocks?: unknown[];
    title?: string;
    app_installed_team_id?: string;
  };
  trigger_id?: string;
  team?: { id: string; domain?: string } | null;
}

export interface MessageShortcutOptions {
  callback_id: string;
  user: SimulatedUser;
  channel: { id: string; name?: string };
  message: { ts: string; text: string; user: string; thread_ts?: string };
  trigger_id?: string;
  team?: { id: string; domain?: string } | null;
}

export interface EventOptions {
  event_id?: string;
  team_id?: string;
  /** The Enterprise Grid organisation; with isEnterpriseInstall, the app is installed org-wide. */
  enterprise_id?: string;
  isEnterpriseInstall?: boolean;
  event_time?: number;
  retryNum?: number;
  retryReason?: string;
}

export interface RawRequestOptions {
  /** Overrides the computed signature; null leaves the header out. */
  signature?: string | null;
  /** Overrides "now" (seconds) for the timestamp header and the signature; null leaves the header out. */
  timestamp?: number | null;
}

const DEFAULT_TEAM_ID = 'T0OURS';
const BOT_USER_ID = 'U0BOT';
const VERIFICATION_TOKEN = 'fake-verification-token';
const FORM = 'application/x-www-form-urlencoded';

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function formBody(fields: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) params.append(key, value);
  }
  return params.toString();
}

export class SlackClientSimulator {
  private readonly baseUrl: string;
  private readonly signingSecret: string;
  private readonly path: string;
  private readonly responseUrlBase: string | undefined;
  private readonly teamId: string;
  private readonly apiAppId: string;
  private readonly followDeferred: ((responseUrl: string) => Promise<string>) | undefined;
  private counter = 0;

  constructor(options: SlackClientSimulatorOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.signingSecret = options.signingSecret;
    this.path = options.path ?? '/slack/events';
    this.responseUrlBase = options.responseUrlBase?.replace(/\/$/, '');
    this.teamId = options.teamId ?? DEFAULT_TEAM_ID;
    this.apiAppId = options.apiAppId ?? 'A0APP';
    this.followDeferred = options.followDeferred;
  }

  async slashCommand(opts: SlashCommandOptions): Promise<SimulatedResponse> {
    const fields = this.buildSlashCommand(opts);
    const res = await this.raw(formBody(fields), { 'content-type': FORM });
    if (!this.followDeferred || res.status !== 200 || !res.body.includes(WORKING_ON_IT) || !fields.response_url) return res;
    const body = await this.followDeferred(fields.response_url);
    return { ...res, body, json: () => JSON.parse(body) as unknown, deferred: true };
  }

  /** The fields of a slash command, as Slack sends them (a form over HTTP, a payload in Socket Mode). */
  buildSlashCommand(opts: SlashCommandOptions): Record<string, string> {
    const teamId = opts.team_id ?? this.teamId;
    return {
      token: VERIFICATION_TOKEN,
      team_id: teamId,
      team_domain: domainOf(teamId),
      channel_id: opts.channel_id,
      channel_name: opts.channel_name ?? opts.channel_id.toLowerCase(),
      user_id: opts.user_id,
      user_name: opts.user_name ?? opts.user_id.toLowerCase(),
      command: opts.command ?? '/help',
      text: opts.text ?? '',
      api_app_id: this.apiAppId,
      is_enterprise_install: 'false',
      ...(opts.enterprise_id ? { enterprise_id: opts.enterprise_id, enterprise_name: `Org ${opts.enterprise_id}` } : {}),
      response_url: this.responseUrl('commands'),
      trigger_id: opts.trigger_id ?? this.triggerId(),
    };
  }

  /** Any interactivity payload, sent the way Slack does: a form body with one `payload` field. */
  interaction(payload: object): Promise<SimulatedResponse> {
    return this.raw(formBody({ payload: JSON.stringify(payload) }), { 'content-type': FORM });
  }

  blockAction(opts: BlockActionOptions): Promise<SimulatedResponse> {
    return this.interaction(this.buildBlockAction(opts));
  }

  viewSubmission(opts: ViewSubmissionOptions): Promise<SimulatedResponse> {
    return this.interaction(this.buildViewSubmission(opts));
  }

  messageShortcut(opts: MessageShortcutOptions): Promise<SimulatedResponse> {
    return this.interaction(this.buildMessageShortcut(opts));
  }

  /** An Events API `event_callback` envelope around `event`. */
  event(event: Record<string, unknown>, opts: EventOptions = {}): Promise<SimulatedResponse> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.retryNum !== undefined) headers['x-slack-retry-num'] = String(opts.retryNum);
    if (opts.retryReason !== undefined) headers['x-slack-retry-reason'] = opts.retryReason;
    return this.raw(JSON.stringify(this.buildEventEnvelope(event, opts)), headers);
  }

  /** Sends `body` as is, signed correctly unless `opts` forges the signature or timestamp. */
  async raw(body: string, headers: Record<string, string>, opts: RawRequestOptions = {}): Promise<SimulatedResponse> {
    const timestamp = opts.timestamp === undefined ? nowSeconds() : opts.timestamp;
    const signature =
      opts.signature !== undefined ? opts.signature : signSlackRequest(this.signingSecret, timestamp ?? nowSeconds(), body);
    const allHeaders: Record<string, string> = { ...headers };
    if (timestamp !== null) allHeaders['x-slack-request-timestamp'] = String(timestamp);
    if (signature !== null) allHeaders['x-slack-signature'] = signature;

    const started = performance.now();
    const res = await fetch(`${this.baseUrl}${this.path}`, { method: 'POST', headers: allHeaders, body });
    const text = await res.text();
    const elapsedMs = performance.now() - started;
    return {
      status: res.status,
      body: text,
      json: () => JSON.parse(text) as unknown,
      elapsedMs,
      headers: Object.fromEntries(res.headers.entries()),
    };
  }

  // ---- payload builders (public so tests can tweak a payload before sending it with interaction()) ----

  buildBlockAction(opts: BlockActionOptions): Record<string, unknown> {
    const actionTs = this.actionTs();
    const container =
      opts.container ??
      (opts.view
        ? { type: 'view', view_id: opts.view.id }
        : opts.message && opts.channel
          ? { type: 'message', message_ts: opts.message.ts, channel_id: opts.channel.id, is_ephemeral: false }
          : undefined);
    return {
      type: 'block_actions',
      user: this.user(opts.user),
      api_app_id: this.apiAppId,
      token: VERIFICATION_TOKEN,
      container,
      trigger_id: opts.trigger_id ?? this.triggerId(),
      team: this.team(opts.team, opts.user),
      enterprise: null,
      is_enterprise_install: false,
      ...(opts.channel && { channel: { id: opts.channel.id, name: opts.channel.name ?? opts.channel.id.toLowerCase() } }),
      ...(opts.message && { message: opts.message }),
      ...(opts.view && { view: opts.view }),
      state: opts.state ?? { values: {} },
      ...(opts.channel && !opts.view && { response_url: this.responseUrl('actions', messageOf(container)) }),
      actions: opts.actions.map((action, i) => ({
        type: action.type ?? 'button',
        action_id: action.action_id,
        block_id: action.block_id ?? `block_${i}`,
        text: { type: 'plain_text', text: action.text ?? action.action_id, emoji: true },
        ...(action.value !== undefined && { value: action.value }),
        action_ts: actionTs,
      })),
    };
  }

  buildViewSubmission(opts: ViewSubmissionOptions): Record<string, unknown> {
    const team = this.team(opts.team, opts.user);
    const viewId = opts.view.id ?? `V${this.nextCounter().toString().padStart(10, '0')}`;
    return {
      type: 'view_submission',
      team,
      user: this.user(opts.user),
      api_app_id: this.apiAppId,
      token: VERIFICATION_TOKEN,
      trigger_id: opts.trigger_id ?? this.triggerId(),
      view: {
        id: viewId,
        team_id: team?.id ?? this.teamId,
        type: 'modal',
        blocks: opts.view.blocks ?? [],
        private_metadata: opts.view.private_metadata ?? '',
        callback_id: opts.view.callback_id,
        state: opts.view.state,
        hash: opts.view.hash ?? `h${this.nextCounter()}`,
        title: { type: 'plain_text', text: opts.view.title ?? 'Ad-hoc Help', emoji: true },
        clear_on_close: false,
        notify_on_close: false,
        close: null,
        submit: { type: 'plain_text', text: 'Submit', emoji: true },
        previous_view_id: null,
        root_view_id: viewId,
        app_id: this.apiAppId,
        external_id: '',
        app_installed_team_id: opts.view.app_installed_team_id ?? this.teamId,
        bot_id: 'B0BOT',
      },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
  }

  buildMessageShortcut(opts: MessageShortcutOptions): Record<string, unknown> {
    return {
      type: 'message_action',
      token: VERIFICATION_TOKEN,
      action_ts: this.actionTs(),
      team: this.team(opts.team, opts.user),
      user: this.user(opts.user),
      channel: { id: opts.channel.id, name: opts.channel.name ?? opts.channel.id.toLowerCase() },
      is_enterprise_install: false,
      enterprise: null,
      callback_id: opts.callback_id,
      trigger_id: opts.trigger_id ?? this.triggerId(),
      response_url: this.responseUrl('actions'),
      message_ts: opts.message.ts,
      message: { type: 'message', ...opts.message },
    };
  }

  buildEventEnvelope(event: Record<string, unknown>, opts: EventOptions = {}): Record<string, unknown> {
    const teamId = opts.team_id ?? this.teamId;
    const eventTime = opts.event_time ?? nowSeconds();
    const enterpriseId = opts.enterprise_id ?? null;
    const isEnterpriseInstall = opts.isEnterpriseInstall ?? false;
    return {
      token: VERIFICATION_TOKEN,
      team_id: teamId,
      ...(enterpriseId ? { enterprise_id: enterpriseId } : {}),
      api_app_id: this.apiAppId,
      event: { event_ts: typeof event.ts === 'string' ? event.ts : this.actionTs(), ...event },
      type: 'event_callback',
      event_id: opts.event_id ?? `Ev${this.nextCounter().toString().padStart(10, '0')}`,
      event_time: eventTime,
      authorizations: [
        { enterprise_id: enterpriseId, team_id: teamId, user_id: BOT_USER_ID, is_bot: true, is_enterprise_install: isEnterpriseInstall },
      ],
      is_ext_shared_channel: false,
      event_context: `4-${randomBytes(8).toString('hex')}`,
    };
  }

  private user(user: SimulatedUser): Record<string, unknown> {
    const name = user.name ?? user.id.toLowerCase();
    return { id: user.id, username: name, name, team_id: user.team_id ?? this.teamId };
  }

  private team(
    team: { id: string; domain?: string } | null | undefined,
    user: SimulatedUser,
  ): { id: string; domain: string } | null {
    if (team === null) return null; // org-wide installs send team: null
    const id = team?.id ?? user.team_id ?? this.teamId;
    return { id, domain: team?.domain ?? domainOf(id) };
  }

  // Without a responseUrlBase the URL is unresolvable (.invalid, RFC 2606), so a stray respond() fails fast offline.
  // A click on a message names that message in its URL (`…/actions/T/<channel>/<ts>/…`), so the fake
  // can apply replace_original / delete_original to it, as Slack does.
  private responseUrl(kind: 'commands' | 'actions', message?: { channel: string; ts: string }): string {
    const base = this.responseUrlBase ?? 'https://hooks.slack.invalid';
    const where = message ? `${message.channel}/${message.ts}/` : '';
    return `${base}/response_url/${kind}/${this.teamId}/${where}${this.nextCounter()}/${randomBytes(6).toString('hex')}`;
  }

  // Issued now, in the format the fake reads back to answer expired_trigger_id after 3 seconds, as Slack does.
  private triggerId(): string {
    return formatTriggerId(Date.now(), this.nextCounter(), randomBytes(16).toString('hex'));
  }

  private actionTs(): string {
    return `${nowSeconds()}.${String(this.nextCounter() % 1_000_000).padStart(6, '0')}`;
  }

  private nextCounter(): number {
    this.counter += 1;
    return this.counter;
  }
}

function messageOf(container: unknown): { channel: string; ts: string } | undefined {
  if (typeof container !== 'object' || container === null) return undefined;
  const { channel_id: channel, message_ts: ts } = container as { channel_id?: unknown; message_ts?: unknown };
  return typeof channel === 'string' && typeof ts === 'string' ? { channel, ts } : undefined;
}

function domainOf(teamId: string): string {
  return teamId.toLowerCase().replace(/^t0?/, '') || 'workspace';
}
