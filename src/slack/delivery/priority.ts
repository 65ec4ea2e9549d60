// Who is waiting for a Slack call, and the slots its delivery holds in Slack's pace: set around a
// delivery, read by the paced client. Calls made outside any delivery (listeners answering a
// person) count as interactive and hold no slots.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallPriority, SlotBook } from './pacer';

export type { CallPriority } from './pacer';

interface CallContext {
  priority: CallPriority;
  slots?: SlotBook | undefined;
}

const storage = new AsyncLocalStorage<CallContext>();

export function withPriority<T>(priority: CallPriority, work: () => Promise<T>, slots?: SlotBook): Promise<T> {
  return storage.run({ priority, slots }, work);
}

export function currentPriority(): CallPriority {
  return storage.getStore()?.priority ?? 'interactive';
}

/** The slots of the delivery under way, if the call is part of one. */
export function currentSlots(): SlotBook | undefined {
  return storage.getStore()?.slots;
}
