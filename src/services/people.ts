// Which side a person is on: the client's organisation (Slack Connect), a guest of our workspace,
// or one of our own full members (of our workspace, or of a sister workspace of our Enterprise
// Grid organisation). Slack answers (users.info, through the source the Slack layer
// gives at start-up); the answer is kept in MongoDB for a day, so a permission check rarely waits
// on Slack, and a stale answer is used when Slack cannot be asked.
import { PersonModel } from '../db/person';
import { logger } from '../logger';

export interface SlackPerson {
  teamId: string;
  /** Their Enterprise Grid organisation (users.info `enterprise_user.enterprise_id`); null outside one. */
  enterpriseId: string | null;
  guest: boolean;
}

/** Our own organisation: the workspace the app belongs to, and its Enterprise Grid organisation if any. */
export interface HomeOrganisation {
  teamId: string;
  enterpriseId: string | undefined;
}

export interface PeopleSource {
  home(): Promise<HomeOrganisation>;
  /** What Slack says about the person; undefined when it does not know them. */
  lookUp(userId: string): Promise<SlackPerson | undefined>;
}

/** `unknown`: Slack could not be asked and nothing is kept, so nothing is assumed. */
export type Side = 'client_org' | 'guest' | 'ours' | 'unknown';

export const PERSON_FRESH_MS = 24 * 3600 * 1000;

let source: PeopleSource | undefined;

/** Set by the web and worker processes once their Slack clients exist; tests without Slack leave it unset. */
export function setPeopleSource(next: PeopleSource | undefined): void {
  source = next;
}

async function lookUp(userId: string): Promise<SlackPerson | undefined> {
  if (!source) return undefined;
  try {
    const person = await source.lookUp(userId);
    if (person) await PersonModel.updateOne({ _id: userId }, { $set: { ...person, checkedAt: new Date() } }, { upsert: true });
    return person;
  } catch (error) {
    logger.warn({ err: error, user: userId }, 'Could not ask Slack who this person is');
    return undefined;
  }
}

export async function sideOf(userId: string, now = new Date()): Promise<Side> {
  const kept = await PersonModel.findOne({ _id: userId }).lean();
  // Kept before organisations were kept too (no enterpriseId, not even null): asked again.
  const fresh = kept && kept.enterpriseId !== undefined && now.getTime() - kept.checkedAt.getTime() < PERSON_FRESH_MS;
  const person = (fresh ? kept : await lookUp(userId)) ?? kept;
  if (!person || !source) return 'unknown';
  let home: HomeOrganisation;
  try {
    home = await source.home();
  } catch (error) {
    logger.warn({ err: error }, 'Could not tell which Slack organisation is ours');
    return 'unknown';
  }
  const sameOrganisation = home.enterpriseId !== undefined && person.enterpriseId === home.enterpriseId;
  if (person.teamId !== home.teamId && !sameOrganisation) return 'client_org';
  return person.guest ? 'guest' : 'ours';
}

/** Someone changed in Slack (user_change): asked again next time. */
export async function forgetPerson(userId: string): Promise<void> {
  await PersonModel.deleteOne({ _id: userId });
}
