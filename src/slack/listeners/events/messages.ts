// Messages the app sees: DMs to it (intake) and replies in request threads (first response).
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { pleasantryOf } from '../../../domain/pleasantry';
import { plainTextFromSlack } from '../../../domain/slackText';
import { staffRoles } from '../../../services/directory';
import { rememberIntake } from '../../../services/pendingIntake';
import { clientAnswered, recordFirstResponse } from '../../../services/conversation';
import { afterRequestUpdated } from '../../requestUpdates';
import { findRequestByClientMessage, findRequestByTriageMessage } from '../../../services/requestMessages';
import { linkWork } from '../../../services/workLinks';
import { workLinksIn } from '../../../domain/workLinks';
import { logger } from '../../../logger';
import { NO_CLIENT_FOR_DM, chooseClientMessage, pleasantryReply } from '../../views/dmIntake';
import type { ListenerContext } from '../context';
import { openFromText, openedText } from '../intake';
import { messageForError } from '../replies';

type MessageArgs = SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs;

interface PlainMessage {
  user: string;
  text: string;
  ts: string;
  channel: string;
  channelType: string;
  threadTs?: string | undefined;
  team?: string | undefined;
}

/** Only messages people typed: no edits, joins, bot posts or other subtypes. */
function plainMessage(event: MessageArgs['event']): PlainMessage | undefined {
  if (event.subtype !== undefined) return undefined;
  if ('bot_id' in event && event.bot_id) return undefined;
  return {
    user: event.user,
    text: event.text ?? '',
    ts: event.ts,
    channel: event.channel,
    channelType: event.channel_type,
    threadTs: event.thread_ts,
    team: event.team,
  };
}

async function dmIntake(ctx: ListenerContext, args: MessageArgs, message: PlainMessage): Promise<void> {
  const { client } = args;
  // The answer is a durable post, once per DM (a retried event answers nothing twice).
  const reply = (text: string, blocks?: ReturnType<typeof chooseClientMessage>['blocks']) =>
    ctx.delivery.post(
      `dm|${message.channel}|${message.ts}`,
      { to: { channel: message.channel }, workspace: 'client', text, ...(message.team ? { teamId: message.team } : {}), ...(blocks ? { blocks } : {}) },
      'interactive',
    );
  const text = plainTextFromSlack(message.text).trim();
  if (!text) return;
  const pleasantry = pleasantryOf(text);
  if (pleasantry) {
    await reply(pleasantryReply(pleasantry, 'dm', ctx.config.slack.helpCommand));
    return;
  }
  try {
    const options = await ctx.membership.clientsOfUser(client, message.user);
    const sourceMessage = { channelId: message.channel, ts: message.ts };
    if (options.length === 0) {
      await reply(NO_CLIENT_FOR_DM);
      return;
    }
    if (options.length === 1 && options[0]) {
      const key = await openFromText(ctx, {
        channelId: options[0].channelId,
        userId: message.user,
        teamId: message.team,
        text,
        source: 'dm',
        sourceMessage,
      });
      await reply(`${openedText(key)} It is in <#${options[0].channelId}>.`);
      return;
    }
    const pendingId = await rememberIntake({ userId: message.user, teamId: message.team, text, sourceMessage }, options);
    const choice = chooseClientMessage(pendingId, options);
    await reply(choice.text, choice.blocks);
  } catch (error) {
    await reply(messageForError(error, { user: message.user, surface: 'dm' }));
  }
}

/** A reply in a request's thread: an engineer's first one is the first response; the client's
 * answer ends a wait on them (and restarts the SLA clock). */
async function threadReply(ctx: ListenerContext, message: PlainMessage & { threadTs: string }): Promise<void> {
  const request = await findRequestByClientMessage(message.channel, message.threadTs);
  if (!request) {
    // Engineers paste links in the triage thread too.
    const triaged = await findRequestByTriageMessage(message.channel, message.threadTs);
    if (triaged && (await linkPasted(message, triaged.key))) await afterRequestUpdated(ctx, triaged.key);
    return;
  }
  const isStaff = (await staffRoles(message.user)).length > 0;
  const changed = isStaff
    ? !request.firstResponseAt && (await recordFirstResponse(request.key, message.user))
    : await clientAnswered(request.key, message.user);
  const linked = await linkPasted(message, request.key);
  if (changed || linked) await afterRequestUpdated(ctx, request.key);
}

/** GitHub, GitLab, Linear or Jira links in a thread reply are stored on the request; true when one was new. */
async function linkPasted(message: PlainMessage, key: string): Promise<boolean> {
  const links = workLinksIn(message.text);
  if (links.length === 0) return false;
  try {
    return (await linkWork(key, { userId: message.user, channelId: message.channel }, links)).added.length > 0;
  } catch (error) {
    // Nobody asked for it: a refusal (someone not on the request) or a full list is only logged.
    logger.info({ err: error, request: key, user: message.user }, 'A link pasted in a request thread was not stored');
    return false;
  }
}

export function messageReceived(ctx: ListenerContext) {
  return async (args: MessageArgs): Promise<void> => {
    const message = plainMessage(args.event);
    if (!message) return;
    if (message.channelType === 'im') {
      await dmIntake(ctx, args, message);
      return;
    }
    if (message.threadTs && message.threadTs !== message.ts) await threadReply(ctx, { ...message, threadTs: message.threadTs });
  };
}
