// The transcript for the terminal: per step, what each person did and what they then saw in
// Slack, by channel, thread replies indented. Pure: transcript in, text out.
import { messageToText } from './blocks';
import type { Beat, Place, SeenEvent, TranscriptStep } from './events';
import { mrkdwnToText, plainToText, type Directory } from './slackMarkup';

const RULE = '═'.repeat(78);

export function personName(id: string | undefined, dir: Directory): string {
  if (id === undefined || id === '') return 'someone';
  return dir.users[id] ?? id;
}

export function placeTitle(place: Place, dir: Directory): string {
  switch (place.kind) {
    case 'channel':
      return `#${dir.channels[place.channel] ?? place.channel}`;
    case 'dm':
      return `DM from ${dir.appName} to ${personName(place.user, dir)}`;
    case 'modal':
      return `Modal for ${personName(place.user, dir)}`;
    case 'home':
      return `Home tab of ${personName(place.user, dir)}`;
    case 'reply':
      return 'Reply to the click';
  }
}

/** Prefixes longer than this go on a line of their own, so the text does not drift right. */
const MAX_HANGING_PREFIX = 20;

/** `prefix` on the first line, the other lines aligned under the text. */
function hanging(indent: string, prefix: string, lines: string[]): string[] {
  const [first = '', ...rest] = lines;
  const width = [...prefix].length;
  if (rest.length > 0 && width > MAX_HANGING_PREFIX) {
    return [`${indent}${prefix.trimEnd()}`, ...lines.map((line) => `${indent}  ${line}`)];
  }
  const pad = ' '.repeat(width);
  return [`${indent}${prefix}${first}`, ...rest.map((line) => `${indent}${pad}${line}`)];
}

function threadNote(event: { threadOf: string | undefined }): string {
  return event.threadOf ? `in the ${event.threadOf} thread` : 'in a thread';
}

export function eventToText(event: SeenEvent, dir: Directory, indent: string): string[] {
  const reply = `${indent}    `;
  switch (event.kind) {
    case 'message': {
      const lines = messageToText(event.text, event.blocks, dir);
      if (event.threadTs) return hanging(reply, `↳ ${dir.appName} (${threadNote(event)}): `, lines);
      return hanging(indent, `${dir.appName}: `, lines);
    }
    case 'update': {
      const lines = messageToText(event.text, event.blocks, dir);
      if (event.threadTs) return hanging(reply, `↳ updated in place (${threadNote(event)}): `, lines);
      return hanging(indent, 'updated in place: ', lines);
    }
    case 'ephemeral': {
      const who = event.user ? `only ${personName(event.user, dir)} sees: ` : 'only the clicker sees: ';
      return hanging(indent, who, messageToText(event.text, event.blocks, dir));
    }
    case 'modal': {
      const verb = event.updated ? 'the modal now shows' : 'a modal opens';
      const title = `${verb}: “${plainToText(event.title, true)}”`;
      const body = messageToText('', event.blocks, dir);
      const buttons = [event.close ?? 'Cancel', ...(event.submit ? [event.submit] : [])].map((label) => `[ ${plainToText(label, true)} ]`);
      const submit = [buttons.join(' ')];
      return [`${indent}${title}`, ...[...body, ...submit].map((line) => `${indent}  │ ${line}`)];
    }
    case 'home':
      return [`${indent}the Home tab shows:`, ...messageToText('', event.blocks, dir).map((line) => `${indent}  │ ${line}`)];
    case 'file': {
      const size = event.bytes === undefined ? '' : `, ${event.bytes} bytes`;
      const comment = event.comment ? ` — ${mrkdwnToText(event.comment, dir)}` : '';
      return [`${indent}file uploaded: ${event.filename} (“${event.title}”${size})${comment}`];
    }
    case 'reaction':
      return [`${indent}${dir.appName} reacted :${event.name}:`];
    case 'refused':
      return [`${indent}⚠ Slack refused ${event.method}: ${event.error}`];
  }
}

export function beatHeadline(beat: Beat, dir: Directory): string | undefined {
  if (beat.what === undefined) return undefined;
  const who = beat.actor === undefined ? '' : `${personName(beat.actor, dir)} `;
  const command = beat.command === undefined ? '' : ` ${beat.command}`;
  return `${who}${beat.what}${command}`;
}

function beatToText(beat: Beat, dir: Directory): string[] {
  const lines: string[] = [];
  const headline = beatHeadline(beat, dir);
  if (headline !== undefined) lines.push(`▶ ${headline}`);
  if (beat.groups.length === 0 && headline !== undefined) lines.push('    (nothing new in Slack)');
  for (const group of beat.groups) {
    lines.push(`  ${placeTitle(group.place, dir)}`);
    for (const event of group.events) lines.push(...eventToText(event, dir, '    '));
  }
  return lines;
}

export interface TranscriptHeader {
  title: string;
  intro: string[];
}

/** The whole transcript as text, one block per step. */
export function renderTranscriptText(steps: TranscriptStep[], dir: Directory, header: TranscriptHeader): string {
  const lines: string[] = [header.title, ...header.intro, ''];
  for (const step of steps) {
    lines.push(RULE, ` Step ${step.number} · ${step.title}`, RULE);
    step.beats.forEach((beat, i) => {
      if (i > 0) lines.push('');
      lines.push(...beatToText(beat, dir));
    });
    lines.push('');
  }
  return `${lines.map((line) => line.trimEnd()).join('\n')}\n`;
}
