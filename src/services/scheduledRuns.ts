// The single run of a calendar job for a period (a week's digest, a month's billing run), however
// many workers try. Its steps are idempotent, so the run is marked done only once all of it has
// been recorded: a run that failed part-way is run again, and adds only what is missing.
import { ScheduledRunModel } from '../db/scheduledRun';
import { isDuplicateKey } from './sequence';

const idOf = (job: string, period: string) => `${job}-${period}`;

export async function scheduledRunDone(job: string, period: string): Promise<boolean> {
  return (await ScheduledRunModel.exists({ _id: idOf(job, period) })) !== null;
}

/** Marks the run done; false when it was marked already (another worker finished first). */
export async function markScheduledRunDone(job: string, period: string): Promise<boolean> {
  try {
    await ScheduledRunModel.create({ _id: idOf(job, period), ranAt: new Date() });
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}
