// DM intake for people who belong to several clients: remember the text, offer the clients,
// open the request in the one they pick.
import { Types } from 'mongoose';
import { PendingIntakeModel } from '../db/pendingIntake';
import { ErrorCode, UserFacingError } from '../errors';

export interface IntakeOption {
  clientKey: string;
  clientName: string;
  channelId: string;
}

export interface DmIntake {
  userId: string;
  teamId?: string | undefined;
  text: string;
  sourceMessage: { channelId: string; ts: string };
}

export async function rememberIntake(intake: DmIntake, options: IntakeOption[]): Promise<string> {
  const created = await PendingIntakeModel.create({
    ...intake,
    options: options.map(({ clientKey, channelId }) => ({ clientKey, channelId })),
  });
  return created._id.toHexString();
}

/** Takes the pending DM (once: a double click finds nothing the second time). */
export async function takeIntake(id: string, userId: string, clientKey: string) {
  if (!Types.ObjectId.isValid(id)) throw new UserFacingError(ErrorCode.InvalidInput, "That choice doesn't work any more. Please send your message again.");
  const pending = await PendingIntakeModel.findOneAndDelete({ _id: id, userId, 'options.clientKey': clientKey }).lean();
  if (!pending) {
    throw new UserFacingError(ErrorCode.Conflict, 'That request was already opened, or the choice expired. Please send your message again if needed.');
  }
  const option = pending.options.find((o) => o.clientKey === clientKey);
  if (!option) throw new UserFacingError(ErrorCode.InvalidInput, "That choice doesn't work any more.");
  const source = pending.sourceMessage;
  return {
    text: pending.text,
    teamId: pending.teamId ?? undefined,
    channelId: option.channelId,
    sourceMessage: source?.channelId && source.ts ? { channelId: source.channelId, ts: source.ts } : undefined,
  };
}
