// Opening a request, from any surface (the command, a mention, a message shortcut, the modal, a
// DM): validates what was typed, checks the channel is a client's and the message not already a
// request, numbers it, saves it and audits it.
import { z } from 'zod';
import { RequestModel } from '../db/request';
import { CATEGORIES, PRIORITIES, SOURCES } from '../domain/lifecycle';
import { formatRequestKey } from '../domain/requestKey';
import { cleanText, DETAILS_MAX, TITLE_MAX } from '../domain/requestText';
import { ErrorCode, UserFacingError } from '../errors';
import { logger } from '../logger';
import { recordAudit } from './audit';
import { findClientByChannel } from './directory';
import type { LoadedRequest } from './requestQueries';
import { isDuplicateKey, nextSequence } from './sequence';

export const NOT_A_CLIENT_CHANNEL =
  "This channel isn't linked to a client yet, so I can't open a support request here. " +
  "Ask your account manager to link it, or open the request from your team's support channel.";

const newRequestSchema = z.object({
  channelId: z.string().min(1),
  requesterId: z.string().min(1),
  requesterTeamId: z.string().optional(),
  title: z
    .string()
    .transform(cleanText)
    .pipe(
      z
        .string()
        .min(1, 'Please say what you need help with.')
        .max(TITLE_MAX, `The title is too long: keep it to ${TITLE_MAX} characters.`),
    ),
  details: z
    .string()
    .default('')
    .transform(cleanText)
    .pipe(z.string().max(DETAILS_MAX, `The details are too long: keep them to ${DETAILS_MAX} characters.`)),
  category: z.string().pipe(z.enum(CATEGORIES, 'Pick a category.')),
  priority: z.string().pipe(z.enum(PRIORITIES, 'Pick a priority.')),
  source: z.enum(SOURCES),
  sourceMessage: z.object({ channelId: z.string(), ts: z.string(), permalink: z.string().optional() }).optional(),
  triageChannelId: z.string().min(1),
});
export type NewRequest = z.input<typeof newRequestSchema>;

/** Maps schema paths to the block_ids of the new-request modal, for field errors. */
const FIELD_BLOCKS: Record<string, string> = { title: 'title', details: 'details', category: 'category', priority: 'priority' };

/**
 * Validates and saves a new request; returns it with its client, as loadRequestWithClient would,
 * so what follows (posting it, its timers, the Home tabs) need not read them again.
 */
export async function openRequest(input: NewRequest): Promise<LoadedRequest> {
  const parsed = newRequestSchema.safeParse(input);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      const block = FIELD_BLOCKS[String(issue.path[0])];
      if (block && !fieldErrors[block]) fieldErrors[block] = issue.message;
    }
    const first = parsed.error.issues[0]?.message ?? 'That request is not valid.';
    throw new UserFacingError(ErrorCode.InvalidInput, first, fieldErrors);
  }
  const data = parsed.data;
  const client = await findClientByChannel(data.channelId);
  if (!client) {
    throw new UserFacingError(ErrorCode.NotAClientChannel, NOT_A_CLIENT_CHANNEL);
  }
  if (data.sourceMessage) {
    const existing = await RequestModel.findOne(
      { 'sourceMessage.channelId': data.sourceMessage.channelId, 'sourceMessage.ts': data.sourceMessage.ts },
      { key: 1 },
    ).lean();
    if (existing) throw new UserFacingError(ErrorCode.Conflict, `That message is already ${existing.key}.`);
  }
  const number = await nextSequence(`request-${client.key}`);
  const key = formatRequestKey(client.key, number);
  const created = await createOrExplain({
    key,
    clientKey: client.key,
    number,
    title: data.title,
    details: data.details,
    category: data.category,
    priority: data.priority,
    state: 'open',
    source: data.source,
    requesterId: data.requesterId,
    requesterTeamId: data.requesterTeamId,
    sourceMessage: data.sourceMessage,
    clientChannelId: data.channelId,
    triageChannelId: data.triageChannelId,
    createdAt: new Date(),
  });
  await recordAudit({
    actorId: data.requesterId,
    action: 'request.opened',
    entityType: 'request',
    entityId: key,
    clientKey: client.key,
    after: { state: 'open', number: created.number, createdAt: created.createdAt, title: data.title, category: data.category, priority: data.priority, source: data.source },
  });
  logger.info({ request: key, source: data.source }, 'Request opened; Slack messages will be posted next');
  return { request: created.toObject<LoadedRequest['request']>(), client };
}

/** Inserts the request; a duplicate source message (a retried event racing us) is explained. */
async function createOrExplain(fields: Record<string, unknown>) {
  try {
    return await RequestModel.create(fields);
  } catch (error) {
    if (isDuplicateKey(error) && fields.sourceMessage) {
      throw new UserFacingError(ErrorCode.Conflict, 'That message is already a request.');
    }
    throw error;
  }
}
