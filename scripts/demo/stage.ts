// Plays the people of the demo: each of them types a command, clicks a button that is really on a
// message, or fills in a modal, as signed requests to the running app; and notes what they did, so
// the transcript can show it next to what the Slack fake recorded.
import type { Config } from '../../src/config';
import type { RunningWeb } from '../../src/main';
import { submit, untilSynced } from '../../test/support/flows';
import type { TestApp } from '../../test/support/harness';
import type { RecordedCall, SlackFake } from '../../test/support/slackFake';
import type { SlackClientSimulator } from '../../test/support/slackRequests';
import { findButton, isRecord, type ButtonOnMessage, type Json } from './blocks';
import type { StoryNote } from './events';
import type { Directory } from './slackMarkup';

/** How long any one thing may take to show up in Slack before the demo gives up. */
export const WAIT_MS = 15_000;

/** A step of the story that did not happen; the message says which and what was missing. */
export class DemoStepError extends Error {
  constructor(
    readonly step: number,
    readonly title: string,
    readonly reason: string,
  ) {
    super(`Step ${step} (${title}) did not happen: ${reason}`);
    this.name = 'DemoStepError';
  }
}

/** Something the app should have done and did not; becomes a DemoStepError for its step. */
export class MissingEffect extends Error {
  override name = 'MissingEffect';
}

export interface StageParts {
  config: Config;
  fake: SlackFake;
  slack: SlackClientSimulator;
  web: RunningWeb;
  baseUrl: string;
  directory: Directory;
}

export interface CommandReply {
  text: string;
  blocks: unknown;
}

export interface MessageRef {
  channel: string;
  ts: string;
  /** How the person would name it, e.g. "the ACME-1 message in #triage". */
  describe: string;
}

/** How Slack delivers typed text to a slash command: &, < and > arrive as entities. */
export function asSlackSendsIt(typed: string): string {
  return typed.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function postedTs(call: RecordedCall | undefined): string {
  const ts = isRecord(call?.response) ? call.response.ts : undefined;
  if (typeof ts !== 'string') throw new MissingEffect('Slack did not give the posted message a ts');
  return ts;
}

export class Stage {
  readonly notes: StoryNote[] = [];
  readonly triggers: Record<string, string> = {};
  readonly config: Config;
  readonly fake: SlackFake;
  readonly slack: SlackClientSimulator;
  readonly web: RunningWeb;
  readonly directory: Directory;
  /** The flows.ts helpers take the harness' TestApp; the demo's app is one too, minus seeding. */
  private readonly app: TestApp;
  private stepNumber = 0;
  private stepTitle = '';
  private triggerCount = 0;

  constructor(parts: StageParts) {
    this.config = parts.config;
    this.fake = parts.fake;
    this.slack = parts.slack;
    this.web = parts.web;
    this.directory = parts.directory;
    this.app = {
      config: parts.config,
      fake: parts.fake,
      slack: parts.slack,
      baseUrl: parts.baseUrl,
      web: parts.web,
      worker: undefined, // the demo runs its own, stopped by its shutdown list
      seed: async () => {
        throw new Error('the demo seeds once, at the start');
      },
      stop: async () => undefined,
    };
  }

  /** Index of the next call the fake will record: "what happens from now on". */
  mark(): number {
    return this.fake.calls.length;
  }

  /** Runs one step of the story; anything missing fails the demo naming the step. */
  async step<T>(title: string, play: () => Promise<T>): Promise<T> {
    this.stepNumber += 1;
    this.stepTitle = title;
    this.notes.push({ index: this.mark(), kind: 'step', title });
    try {
      return await play();
    } catch (error) {
      throw new DemoStepError(this.stepNumber, title, error instanceof Error ? error.message : String(error));
    }
  }

  get currentStep(): { number: number; title: string } {
    return { number: this.stepNumber, title: this.stepTitle };
  }

  /** Something that happens without anyone in the story doing it (time passing, a scheduled job). */
  narrate(what: string): void {
    this.notes.push({ index: this.mark(), kind: 'did', actor: undefined, what });
  }

  private channelLabel(channel: string): string {
    return `#${this.directory.channels[channel] ?? channel}`;
  }

  private nextTrigger(user: string): string {
    this.triggerCount += 1;
    const trigger = `${this.triggerCount}.${Date.now()}.demo`;
    this.triggers[trigger] = user;
    return trigger;
  }

  /** `user` types `/help <typed>` in `channel`; returns the reply only they see. */
  async command(user: string, channel: string, typed: string): Promise<CommandReply> {
    const command = this.config.slack.helpCommand;
    this.notes.push({ index: this.mark(), kind: 'did', actor: user, what: `types in ${this.channelLabel(channel)}:`, command: `${command} ${typed}` });
    const res = await this.slack.slashCommand({
      command,
      text: asSlackSendsIt(typed),
      user_id: user,
      channel_id: channel,
      user_name: (this.directory.users[user] ?? user).toLowerCase(),
      trigger_id: this.nextTrigger(user),
    });
    if (res.status !== 200) throw new MissingEffect(`the app answered ${command} ${typed} with HTTP ${res.status}: ${res.body}`);
    let body: unknown;
    try {
      body = res.json();
    } catch {
      throw new MissingEffect(`the app answered ${command} ${typed} with no message (body: ${JSON.stringify(res.body)})`);
    }
    if (!isRecord(body) || typeof body.text !== 'string') throw new MissingEffect(`the app's answer to ${command} ${typed} has no text: ${res.body}`);
    const reply = { text: body.text, blocks: body.blocks };
    this.notes.push({ index: this.mark(), kind: 'reply', user, channel, ...reply });
    return reply;
  }

  /** The message as Slack shows it now (after any updates). */
  messageAt(ref: MessageRef): Json {
    const message = this.fake.message(ref.channel, ref.ts);
    if (!message) throw new MissingEffect(`${ref.describe} is not in Slack`);
    return message;
  }

  /**
   * `user` clicks the button `actionId` that is on the message now (its value is the one Slack
   * would send); returns the button and the trigger_id a modal would be opened with.
   */
  async click(user: string, ref: MessageRef, actionId: string): Promise<{ button: ButtonOnMessage; trigger: string }> {
    const blocks = this.messageAt(ref).blocks;
    const button = findButton(blocks, actionId);
    if (!button) {
      throw new MissingEffect(`${ref.describe} has no ${actionId} button (it shows ${JSON.stringify(blocks ?? [])})`);
    }
    this.notes.push({ index: this.mark(), kind: 'did', actor: user, what: `clicks [ ${button.text} ] on ${ref.describe}` });
    const trigger = this.nextTrigger(user);
    const res = await this.slack.blockAction({
      user: { id: user, team_id: 'T0OURS', name: (this.directory.users[user] ?? user).toLowerCase() },
      channel: { id: ref.channel },
      container: { type: 'message', channel_id: ref.channel, message_ts: ref.ts, is_ephemeral: false },
      actions: [{ action_id: button.actionId, type: 'button', text: button.text, ...(button.value !== undefined && { value: button.value }) }],
      trigger_id: trigger,
    });
    if (res.status !== 200) throw new MissingEffect(`the app answered the ${button.text} click with HTTP ${res.status}: ${res.body}`);
    return { button, trigger };
  }

  /** The modal the app opened with `trigger`. */
  async modalOpenedWith(trigger: string, what: string): Promise<Json> {
    const [call] = await this.waitFor('views.open', (c) => c.args.trigger_id === trigger, what);
    const view = call?.args.view;
    if (!isRecord(view)) throw new MissingEffect(`${what} was opened without a view`);
    return view;
  }

  /** `user` fills in the modal's inputs (block_id → text) and submits it. */
  async submitModal(user: string, view: Json, values: Record<string, string>): Promise<void> {
    const title = isRecord(view.title) && typeof view.title.text === 'string' ? view.title.text : 'the form';
    const submitLabel = isRecord(view.submit) && typeof view.submit.text === 'string' ? view.submit.text : 'Submit';
    this.notes.push({ index: this.mark(), kind: 'did', actor: user, what: `fills in “${title}” and presses [ ${submitLabel} ]` });
    const res = await submit(this.app, user, view, values);
    if (res.status !== 200 || res.body !== '') throw new MissingEffect(`the app did not accept “${title}”: HTTP ${res.status} ${res.body}`);
  }

  /** Waits until the fake has recorded a matching call at or after `since`. */
  async waitFor(method: string, predicate: (call: RecordedCall) => boolean, what: string, since = 0, timeoutMs = WAIT_MS): Promise<RecordedCall[]> {
    const calls = this.fake.calls;
    try {
      return await this.fake.waitFor(method, (c) => predicate(c) && calls.indexOf(c) >= since, { timeoutMs });
    } catch (error) {
      throw new MissingEffect(`expected ${what}, but it did not reach Slack within ${timeoutMs / 1000} s. ${error instanceof Error ? error.message : ''}`);
    }
  }

  /** Waits until the request's Slack messages show its latest change (after `sinceRevision`). */
  async settled(key: string, sinceRevision = -1) {
    try {
      return await untilSynced(key, sinceRevision, WAIT_MS);
    } catch (error) {
      throw new MissingEffect(error instanceof Error ? error.message : String(error));
    }
  }
}

export function textOf(call: RecordedCall): string {
  return typeof call.args.text === 'string' ? call.args.text : '';
}
