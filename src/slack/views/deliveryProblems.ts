// What people are told when Slack will not take what the app owes it: the requester whose
// request could not be posted, and managers, who see every failed delivery on their Home.
import { mention } from '../mrkdwn';

/** For the requester, by DM, when their request could not be posted in the client's channel. */
export function channelGuidance(key: string, error: string): string {
  return error === 'is_archived'
    ? `${key} is saved, but its channel is archived, so I can't post its thread there. Ask your account manager to link an active channel.`
    : `${key} is saved, but I can't post in its channel yet. Invite me with \`/invite @Ad-hoc Help\` and I'll post it there within a minute.`;
}

const channelRef = (channel: string | undefined) => (channel ? (/^[UW]/.test(channel) ? mention(channel) : `<#${channel}>`) : 'Slack');

/** For managers: what to do about a failed delivery, by Slack's error. */
export function whatToDo(error: string, channel: string | undefined): string {
  switch (error) {
    case 'not_in_channel':
      return `Invite the app to ${channelRef(channel)} (\`/invite @Ad-hoc Help\`), then retry.`;
    case 'channel_not_found':
      return `${channelRef(channel)} no longer exists or the app cannot see it: link the client to another channel, then retry.`;
    case 'is_archived':
      return `${channelRef(channel)} is archived: unarchive it or link the client to another channel, then retry.`;
    case 'token_revoked':
      // What really happens (slack/tokens.ts, listeners/events/uninstall.ts): Slack's
      // tokens_revoked removes a client workspace's installation, after which its side is
      // reached with our own token, which works in a channel shared with us and nowhere else.
      return (
        "Slack revoked the app's token for that workspace, so these were not sent and are not tried again by themselves. " +
        "If it is a client's workspace, the app now speaks there with our own workspace's token: retry, and what goes to a channel shared with us is sent; " +
        'for the rest the client must install the app again. If it is ours, install the app again (with `SLACK_BOT_TOKEN` set: put the new token there and restart the app and worker), then retry.'
      );
    case 'not_installed':
    case 'invalid_auth':
    case 'account_inactive':
      return 'The app is no longer installed in that workspace: install it again, then retry.';
    case 'cannot_dm_bot':
    case 'user_not_found':
      return 'That person cannot be reached by direct message.';
    default:
      return `Slack answered \`${error}\`. Retry once the cause is fixed.`;
  }
}
