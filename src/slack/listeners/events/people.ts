// user_change and team_join: what Slack said about a person (whose side they are on) is kept for
// a day; when Slack says the person changed, it is forgotten, so a guest made a full member of
// our workspace stops acting for the client at once, and is asked about again on their next action.
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { forgetPerson } from '../../../services/people';

type PersonEventArgs = SlackEventMiddlewareArgs<'user_change' | 'team_join'> & AllMiddlewareArgs;

export function personChanged() {
  return async ({ event }: PersonEventArgs): Promise<void> => {
    await forgetPerson(event.user.id);
  };
}
