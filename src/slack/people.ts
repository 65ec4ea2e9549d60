// Asks Slack who a person is (users.info) for services/people.ts, which keeps the answer.
import type { WebClient } from '@slack/web-api';
import type { PeopleSource } from '../services/people';

/** `client`: our own workspace's Web API client; `home`: our own workspace and organisation (auth.test). */
export function slackPeopleSource(client: () => Promise<WebClient | undefined>, home: PeopleSource['home']): PeopleSource {
  return {
    home,
    async lookUp(userId) {
      const web = await client();
      if (!web) return undefined;
      const { user } = await web.users.info({ user: userId });
      if (!user?.team_id) return undefined;
      return {
        teamId: user.team_id,
        // Only on Enterprise Grid: the organisation whose workspaces the person belongs to.
        enterpriseId: user.enterprise_user?.enterprise_id || null,
        guest: Boolean(user.is_restricted || user.is_ultra_restricted),
      };
    },
  };
}
