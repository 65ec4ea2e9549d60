// Answers to a DM that asks for help, or that only says hello or thanks.
import type { Pleasantry } from '../../domain/pleasantry';
import { cutText } from '../../domain/text';
import type { IntakeOption } from '../../services/pendingIntake';
import { ACTION } from '../ids';
import { escapeMrkdwn } from '../mrkdwn';
import { actions, button, section, type KnownBlock } from './blocks';

export const NO_CLIENT_FOR_DM =
  "Thanks for reaching out! I couldn't find a client channel you're in, so I don't know whom to open this request for. " +
  "Please ask in your team's support channel (or ask your account manager to add you to it), and I'll take it from there.";

/**
 * The kind answer to a greeting, thanks or acknowledgement (domain/pleasantry.ts), which opens no
 * request: how to ask for help, where the person wrote (a DM, or a mention in a channel).
 */
export function pleasantryReply(kind: Pleasantry, where: 'dm' | 'mention', command: string): string {
  const opening = { greeting: 'Hi! :wave:', thanks: "You're welcome! :slightly_smiling_face:", acknowledgement: ':+1:' }[kind];
  const how =
    where === 'dm'
      ? `Whenever you need help, tell me what's wrong in a message here (for example _the checkout page returns 500_) and I'll open a request, or use \`${command}\` in your team's support channel.`
      : `Whenever you need help, mention me with what's wrong (for example _@Ad-hoc Help the checkout page returns 500_), or use \`${command}\`.`;
  return `${opening} ${how}`;
}

export function chooseClientMessage(pendingId: string, options: IntakeOption[]): { text: string; blocks: KnownBlock[] } {
  const text = 'You belong to several clients. Which one is this request for?';
  return {
    text,
    blocks: [
      section(text),
      ...actions(
        'choose_client',
        options.slice(0, 25).map((o) => button(cutText(escapeMrkdwn(o.clientName), 70), `${ACTION.chooseClient}_${o.clientKey}`, `${pendingId} ${o.clientKey}`)),
      ),
    ],
  };
}
