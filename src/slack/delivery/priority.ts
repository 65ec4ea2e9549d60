// Who is waiting for a Slack call, the slots its delivery holds in Slack's pace, and what must
// still be true when a call that waited for its turn goes: set around a delivery, read by the
// paced client. Calls made outside any delivery (listeners answering a person) count as
// interactive, hold no slots and are not guarded.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallPriority, SlotBook } from './pacer';

export type { CallPriority } from './pacer';

/**
 * What a delivery decided about its channels before its calls waited for their turns, checked
 * again by the paced client after a wait: a channel no longer meant for it is refused
 * (ChannelMoved), and refused at once, without taking another turn, if the WebClient tries the
 * call again.
 */
export class CallGuard {
  private readonly moved = new Set<string>();

  constructor(private readonly stillMeant: (channel: string) => Promise<boolean>) {}

  /** Before a call takes its turn: a channel already found moved is refused at once. */
  refuseKnown(channel: string): void {
    if (this.moved.has(channel)) throw new ChannelMoved(channel);
  }

  /** After a call waited for its turn. */
  async check(channel: string): Promise<void> {
    if (await this.stillMeant(channel)) return;
    this.moved.add(channel);
    throw new ChannelMoved(channel);
  }
}

interface CallContext {
  priority: CallPriority;
  slots?: SlotBook | undefined;
  guard?: CallGuard | undefined;
}

/** A call waited for its turn, and meanwhile its channel stopped being the one it was meant for. */
export class ChannelMoved extends Error {
  readonly waitMs = 0;
  constructor(readonly channel: string) {
    super(`${channel} was moved while the call waited for its turn`);
    this.name = 'ChannelMoved';
  }
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

/** Guards the rest of the delivery under way's calls (nothing outside a delivery). */
export function guardCalls(guard: CallGuard): void {
  const store = storage.getStore();
  if (store) store.guard = guard;
}

export function currentGuard(): CallGuard | undefined {
  return storage.getStore()?.guard;
}
