// Small Block Kit builders shared by the views. Pure functions from data to blocks.
import type { ActionsBlock, Button, ContextBlock, KnownBlock, SectionBlock } from '@slack/types';

export type { KnownBlock };

/** A message as posted: the notification text and its blocks. */
export interface RenderedMessage {
  text: string;
  blocks: KnownBlock[];
}

export function section(text: string, blockId?: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text }, ...(blockId ? { block_id: blockId } : {}) };
}

export function context(...texts: string[]): ContextBlock {
  return { type: 'context', elements: texts.slice(0, 10).map((text) => ({ type: 'mrkdwn', text })) };
}

export function button(
  text: string,
  actionId: string,
  value: string,
  style?: 'primary' | 'danger',
): Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text, emoji: true },
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  };
}

export function actions(blockId: string, buttons: Button[]): ActionsBlock[] {
  return buttons.length === 0 ? [] : [{ type: 'actions', block_id: blockId, elements: buttons }];
}

/** `<!date^…>` renders an instant in each reader's own timezone; the fallback is UTC. */
export function slackDate(at: Date, format = '{date_short_pretty} at {time}'): string {
  const seconds = Math.floor(at.getTime() / 1000);
  return `<!date^${seconds}^${format}|${at.toISOString().slice(0, 16).replace('T', ' ')} UTC>`;
}
