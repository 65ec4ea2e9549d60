// Claims the single run of a calendar job for a period, however many workers try.
import { ScheduledRunModel } from '../db/scheduledRun';
import { isDuplicateKey } from './sequence';

/** True for the first claim of `job` for `period`; false for every later one. */
export async function claimScheduledRun(job: string, period: string): Promise<boolean> {
  try {
    await ScheduledRunModel.create({ _id: `${job}-${period}`, ranAt: new Date() });
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}
