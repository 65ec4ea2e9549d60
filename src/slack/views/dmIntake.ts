// Answers to a DM that asks for help.
import type { IntakeOption } from '../../services/pendingIntake';
import { ACTION } from '../ids';
import { escapeMrkdwn } from '../mrkdwn';
import { actions, button, section, type KnownBlock } from './blocks';

export const NO_CLIENT_FOR_DM =
  "Thanks for reaching out! I couldn't find a client channel you're in, so I don't know whom to open this request for. " +
  "Please ask in your team's support channel (or ask your account manager to add you to it), and I'll take it from there.";

export function chooseClientMessage(pendingId: string, options: IntakeOption[]): { text: string; blocks: KnownBlock[] } {
  const text = 'You belong to several clients. Which one is this request for?';
  return {
    text,
    blocks: [
      section(text),
      ...actions(
        'choose_client',
        options.slice(0, 25).map((o) => button(escapeMrkdwn(o.clientName).slice(0, 70), `${ACTION.chooseClient}_${o.clientKey}`, `${pendingId} ${o.clientKey}`)),
      ),
    ],
  };
}
