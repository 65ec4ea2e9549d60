// Turns what the Slack fake recorded (and what the story's people did) into what each person saw,
// grouped by step. Pure: recorded calls and notes in, a structured transcript out.
import { isRecord, type Json } from './blocks';

/** The parts of a recorded Web API call the transcript needs (the fake's RecordedCall has them). */
export interface CallRecord {
  method: string;
  args: Record<string, unknown>;
  response: unknown;
  /** The URL path the call was made to; a click's response_url names the message clicked. */
  path?: string;
}

/** Something the story's driver knows and the fake does not. Each is placed before call `index`. */
export type StoryNote =
  | { index: number; kind: 'step'; title: string }
  | { index: number; kind: 'did'; actor: string | undefined; what: string; command?: string | undefined }
  | { index: number; kind: 'reply'; user: string; channel: string; text: string; blocks: unknown };

/** Where something was seen. */
export type Place =
  | { kind: 'channel'; channel: string }
  | { kind: 'dm'; user: string }
  | { kind: 'modal'; user: string | undefined }
  | { kind: 'home'; user: string }
  /** A response_url answer that replaces nothing: shown only to the person who clicked. */
  | { kind: 'reply' };

export type SeenEvent =
  | { kind: 'message'; place: Place; ts: string; threadTs: string | undefined; threadOf: string | undefined; text: string; blocks: unknown }
  | { kind: 'update'; place: Place; ts: string; threadTs: string | undefined; threadOf: string | undefined; text: string; blocks: unknown }
  | { kind: 'ephemeral'; place: Place; user: string; text: string; blocks: unknown }
  | { kind: 'modal'; place: Place; title: string; submit: string | undefined; close: string | undefined; blocks: unknown; updated: boolean }
  | { kind: 'home'; place: Place; blocks: unknown }
  | { kind: 'file'; place: Place; filename: string; title: string; comment: string | undefined; bytes: number | undefined }
  | { kind: 'reaction'; place: Place; name: string }
  | { kind: 'refused'; place: Place; method: string; error: string };

export interface PlaceGroup {
  place: Place;
  events: SeenEvent[];
}

/** One thing a person did, and everything that was seen because of it, by place. */
export interface Beat {
  actor: string | undefined;
  what: string | undefined;
  command: string | undefined;
  groups: PlaceGroup[];
}

export interface TranscriptStep {
  number: number;
  title: string;
  beats: Beat[];
}

export interface EventContext {
  /** trigger_id → the user whose click or command carried it (modals are opened with it). */
  triggers: Record<string, string>;
  /** DM channel ID → the user it is with. */
  dmChannels: Record<string, string>;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function answer(call: CallRecord): Json | undefined {
  return isRecord(call.response) ? call.response : undefined;
}

export function placeKey(place: Place): string {
  switch (place.kind) {
    case 'channel':
      return `channel:${place.channel}`;
    case 'dm':
      return `dm:${place.user}`;
    case 'modal':
      return `modal:${place.user ?? ''}`;
    case 'home':
      return `home:${place.user}`;
    case 'reply':
      return 'reply';
  }
}

function channelPlace(channel: string, ctx: EventContext): Place {
  if (/^[UW][A-Z0-9]+$/.test(channel)) return { kind: 'dm', user: channel };
  const dmUser = ctx.dmChannels[channel];
  if (dmUser !== undefined) return { kind: 'dm', user: dmUser };
  return { kind: 'channel', channel };
}

/**
 * The message a click's response_url stands for: the Slack fake's URLs name it
 * (`/response_url/actions/<team>/<channel>/<ts>/…`, see test/support/slackRequests.ts).
 */
function clickedMessage(path: string | undefined): { channel: string; ts: string } | undefined {
  const [, channel, ts] = /^\/response_url\/actions\/[^/]+\/([CDG][A-Z0-9]+)\/(\d+\.\d+)\//.exec(path ?? '') ?? [];
  return channel && ts ? { channel, ts } : undefined;
}

interface PostedMessage {
  threadTs: string | undefined;
  /** The request key the thread root shows, e.g. ACME-1, when it shows one. */
  label: string | undefined;
}

/** Every message the app posted, by channel and ts: whether it is a thread reply, and of what. */
function indexPosts(calls: CallRecord[]): Map<string, PostedMessage> {
  const posts = new Map<string, PostedMessage>();
  for (const call of calls) {
    const res = answer(call);
    if (call.method !== 'chat.postMessage' || res?.ok !== true) continue;
    const channel = str(res.channel) ?? str(call.args.channel) ?? '';
    const ts = str(res.ts) ?? '';
    const text = str(call.args.text) ?? '';
    posts.set(`${channel}/${ts}`, { threadTs: str(call.args.thread_ts), label: /\b([A-Z]{2,10}-\d+)\b/.exec(text)?.[1] });
  }
  return posts;
}

function threadLabel(posts: Map<string, PostedMessage>, channel: string, threadTs: string | undefined): string | undefined {
  if (threadTs === undefined) return undefined;
  return posts.get(`${channel}/${threadTs}`)?.label;
}

/** What a call made someone see; undefined for calls nobody sees (users.info, auth.test…). */
function seenFromCall(call: CallRecord, posts: Map<string, PostedMessage>, uploads: Map<string, { filename: string; bytes: number | undefined }>, ctx: EventContext): SeenEvent | undefined {
  const res = answer(call);
  const args = call.args;
  const channelArg = str(args.channel) ?? str(args.channel_id) ?? '';
  if (res && res.ok === false) {
    const place: Place = channelArg ? channelPlace(channelArg, ctx) : { kind: 'modal', user: ctx.triggers[str(args.trigger_id) ?? ''] };
    return { kind: 'refused', place, method: call.method, error: str(res.error) ?? 'error' };
  }
  switch (call.method) {
    case 'chat.postMessage': {
      const channel = str(res?.channel) ?? channelArg;
      const threadTs = str(args.thread_ts);
      return {
        kind: 'message',
        place: channelPlace(channel, ctx),
        ts: str(res?.ts) ?? '',
        threadTs,
        threadOf: threadLabel(posts, channel, threadTs),
        text: str(args.text) ?? '',
        blocks: args.blocks,
      };
    }
    case 'chat.update': {
      const ts = str(args.ts) ?? '';
      const threadTs = posts.get(`${channelArg}/${ts}`)?.threadTs;
      return {
        kind: 'update',
        place: channelPlace(channelArg, ctx),
        ts,
        threadTs,
        threadOf: threadLabel(posts, channelArg, threadTs),
        text: str(args.text) ?? '',
        blocks: args.blocks,
      };
    }
    case 'chat.postEphemeral': {
      const user = str(args.user) ?? '';
      return { kind: 'ephemeral', place: channelPlace(channelArg, ctx), user, text: str(args.text) ?? '', blocks: args.blocks };
    }
    case 'response_url': {
      // A command's answer through its response URL is the command's reply, shown as such by the stage.
      if (call.path?.startsWith('/response_url/commands/')) return undefined;
      const clicked = clickedMessage(call.path);
      if (clicked && args.replace_original === true) {
        // The clicked message replaced in place, for everyone in its channel (as chat.update would).
        // Refused (expired, message gone), it changed nothing: the app then calls chat.update.
        if (call.response !== 'ok') return undefined;
        const threadTs = posts.get(`${clicked.channel}/${clicked.ts}`)?.threadTs;
        return {
          kind: 'update',
          place: channelPlace(clicked.channel, ctx),
          ts: clicked.ts,
          threadTs,
          threadOf: threadLabel(posts, clicked.channel, threadTs),
          text: str(args.text) ?? '',
          blocks: args.blocks,
        };
      }
      // Anything else through a response_url (a command's answer) is shown only to whoever clicked or typed.
      return { kind: 'ephemeral', place: { kind: 'reply' }, user: '', text: str(args.text) ?? '', blocks: args.blocks };
    }
    case 'views.open':
    case 'views.push':
    case 'views.update': {
      const view = isRecord(args.view) ? args.view : {};
      const title = isRecord(view.title) ? (str(view.title.text) ?? '') : '';
      const submit = isRecord(view.submit) ? str(view.submit.text) : undefined;
      const close = isRecord(view.close) ? str(view.close.text) : undefined;
      const user = ctx.triggers[str(args.trigger_id) ?? ''];
      return { kind: 'modal', place: { kind: 'modal', user }, title, submit, close, blocks: view.blocks, updated: call.method === 'views.update' };
    }
    case 'views.publish': {
      const view = isRecord(args.view) ? args.view : {};
      return { kind: 'home', place: { kind: 'home', user: str(args.user_id) ?? '' }, blocks: view.blocks };
    }
    case 'reactions.add':
      return { kind: 'reaction', place: channelPlace(channelArg, ctx), name: str(args.name) ?? '' };
    case 'files.completeUploadExternal': {
      const file = Array.isArray(args.files) && isRecord(args.files[0]) ? args.files[0] : {};
      const upload = uploads.get(str(file.id) ?? '');
      const filename = upload?.filename ?? str(file.id) ?? 'file';
      return {
        kind: 'file',
        place: channelPlace(channelArg, ctx),
        filename,
        title: str(file.title) ?? filename,
        comment: str(args.initial_comment),
        bytes: upload?.bytes,
      };
    }
    default:
      return undefined;
  }
}

function indexUploads(calls: CallRecord[]): Map<string, { filename: string; bytes: number | undefined }> {
  const uploads = new Map<string, { filename: string; bytes: number | undefined }>();
  for (const call of calls) {
    const res = answer(call);
    if (call.method !== 'files.getUploadURLExternal' || res?.ok !== true) continue;
    const length = Number(call.args.length);
    uploads.set(str(res.file_id) ?? '', { filename: str(call.args.filename) ?? 'file', bytes: Number.isFinite(length) ? length : undefined });
  }
  return uploads;
}

function addToBeat(beat: Beat, event: SeenEvent): void {
  const key = placeKey(event.place);
  const group = beat.groups.find((g) => placeKey(g.place) === key);
  if (group) group.events.push(event);
  else beat.groups.push({ place: event.place, events: [event] });
}

/**
 * The transcript: steps (from 'step' notes), each made of beats (from 'did' notes), each listing
 * what was seen, grouped by place in order of first appearance. Calls before the first step are
 * left out (start-up, seeding).
 */
export function buildTranscript(calls: CallRecord[], notes: StoryNote[], ctx: EventContext): TranscriptStep[] {
  const posts = indexPosts(calls);
  const uploads = indexUploads(calls);
  const steps: TranscriptStep[] = [];
  const ordered = [...notes].sort((a, b) => a.index - b.index);
  let noteAt = 0;
  let step: TranscriptStep | undefined;
  let beat: Beat | undefined;

  const currentBeat = (): Beat | undefined => {
    if (!step) return undefined;
    if (!beat) {
      beat = { actor: undefined, what: undefined, command: undefined, groups: [] };
      step.beats.push(beat);
    }
    return beat;
  };

  const applyNote = (note: StoryNote) => {
    if (note.kind === 'step') {
      step = { number: steps.length + 1, title: note.title, beats: [] };
      steps.push(step);
      beat = undefined;
    } else if (note.kind === 'did') {
      if (!step) return;
      beat = { actor: note.actor, what: note.what, command: note.command, groups: [] };
      step.beats.push(beat);
    } else {
      const target = currentBeat();
      if (target) addToBeat(target, { kind: 'ephemeral', place: channelPlace(note.channel, ctx), user: note.user, text: note.text, blocks: note.blocks });
    }
  };

  const applyNotesUpTo = (index: number) => {
    for (let note = ordered[noteAt]; note !== undefined && note.index <= index; note = ordered[noteAt]) {
      applyNote(note);
      noteAt++;
    }
  };
  calls.forEach((call, i) => {
    applyNotesUpTo(i);
    const seen = seenFromCall(call, posts, uploads, ctx);
    const target = seen ? currentBeat() : undefined;
    if (seen && target) addToBeat(target, seen);
  });
  applyNotesUpTo(Infinity);
  return steps;
}
