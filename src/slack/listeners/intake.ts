// Opening requests from any surface: text (mention, DM, reaction) or the new-request modal
// (command, shortcut). Listeners call these; the record is created by the lifecycle service.
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { titleAndDetails } from '../../domain/helpCommand';
import type { RequestSource } from '../../domain/lifecycle';
import { findClientByChannel } from '../../services/directory';
import { NOT_A_CLIENT_CHANNEL, openRequest } from '../../services/intake';
import { TITLE_MAX } from '../../domain/requestText';
import { logger } from '../../logger';
import { sealMetadata } from '../metadata';
import { afterOpened } from '../requestUpdates';
import { newRequestModal, type NewRequestPrefill } from '../views/modals';
import type { ListenerContext } from './context';
import { messageForError } from './replies';

export const newRequestMetadataSchema = z.object({
  channelId: z.string().regex(/^[CG][A-Z0-9]+$/),
  source: z.enum(['modal', 'shortcut', 'dm']),
  teamId: z.string().optional(),
  sourceMessage: z.object({ channelId: z.string(), ts: z.string(), permalink: z.string().optional() }).optional(),
});
export type NewRequestMetadata = z.infer<typeof newRequestMetadataSchema>;

export interface TextIntake {
  channelId: string;
  userId: string;
  teamId?: string | undefined;
  text: string;
  source: RequestSource;
  sourceMessage?: { channelId: string; ts: string; permalink?: string | undefined } | undefined;
}

/** Opens a request from free text (the first line is its title); Slack is not touched yet. */
export async function openTextRequest(ctx: ListenerContext, intake: TextIntake) {
  const { title, details } = titleAndDetails(intake.text, TITLE_MAX);
  return openRequest({
    channelId: intake.channelId,
    requesterId: intake.userId,
    requesterTeamId: intake.teamId,
    title,
    details,
    category: 'maintenance',
    priority: 'normal',
    source: intake.source,
    sourceMessage: intake.sourceMessage,
    triageChannelId: ctx.config.slack.triageChannelId,
  });
}

/**
 * Opens a request from free text and asks for its Slack messages; returns its key. When the app
 * cannot post in the client's channel, the delivery tells the person by DM.
 */
export async function openFromText(ctx: ListenerContext, intake: TextIntake): Promise<string> {
  const opened = await openTextRequest(ctx, intake);
  await afterOpened(ctx, opened);
  return opened.request.key;
}

export function openedText(key: string): string {
  return `:white_check_mark: Opened *${key}*. An engineer will pick it up shortly; follow along in the thread.`;
}

/** Tells one person something in a channel without bothering anyone else. */
export async function tellUser(client: WebClient, channel: string, user: string, text: string): Promise<void> {
  try {
    await client.chat.postEphemeral({ channel, user, text });
  } catch (error) {
    logger.warn({ err: error, channel, user }, 'Could not post an ephemeral message; the user was not told');
  }
}

export interface ModalIntake {
  triggerId: string;
  channelId: string;
  userId: string;
  teamId?: string | undefined;
  source: NewRequestMetadata['source'];
  prefill?: NewRequestPrefill;
  sourceMessage?: NewRequestMetadata['sourceMessage'];
}

/** Opens the new-request modal, or explains why not (a channel of no client). */
export async function openNewRequestModal(ctx: ListenerContext, client: WebClient, intake: ModalIntake): Promise<void> {
  try {
    const owner = await findClientByChannel(intake.channelId);
    if (!owner) {
      await tellUser(client, intake.channelId, intake.userId, NOT_A_CLIENT_CHANNEL);
      return;
    }
    const metadata: NewRequestMetadata = {
      channelId: intake.channelId,
      source: intake.source,
      ...(intake.teamId ? { teamId: intake.teamId } : {}),
      ...(intake.sourceMessage ? { sourceMessage: intake.sourceMessage } : {}),
    };
    await client.views.open({
      trigger_id: intake.triggerId,
      view: newRequestModal(sealMetadata(ctx.config.metadataSecret, metadata), intake.prefill),
    });
  } catch (error) {
    await tellUser(client, intake.channelId, intake.userId, messageForError(error, { user: intake.userId, surface: 'new_request_modal' }));
  }
}
