// The single run of a calendar job for a period (a week's digest, a client's month of billing),
// however many workers try. Its steps are idempotent, so the run is marked done only once all of
// it has been recorded: a run that failed part-way is run again, and adds only what is missing.
import { ScheduledRunModel } from '../db/scheduledRun';
import { isDuplicateKey } from './sequence';

/** `subject` narrows a run to one thing (a client): the job then runs once per subject and period. */
const idOf = (job: string, period: string, subject?: string) => (subject ? `${job}-${period}-${subject}` : `${job}-${period}`);

export async function scheduledRunDone(job: string, period: string, subject?: string): Promise<boolean> {
  return (await ScheduledRunModel.exists({ _id: idOf(job, period, subject) })) !== null;
}

/** When the run was marked done, or undefined when it was not. */
export async function scheduledRunAt(job: string, period: string, subject?: string): Promise<Date | undefined> {
  const run = await ScheduledRunModel.findById(idOf(job, period, subject)).lean();
  return run?.ranAt ?? undefined;
}

/** Marks the run done; false when it was marked already (another worker finished first). */
export async function markScheduledRunDone(job: string, period: string, subject?: string): Promise<boolean> {
  try {
    await ScheduledRunModel.create({ _id: idOf(job, period, subject), ranAt: new Date() });
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}
