// Who is waiting for a Slack call: set around a delivery, read by the paced client. Calls made
// outside any delivery (listeners answering a person) count as interactive.
import { AsyncLocalStorage } from 'node:async_hooks';

export type CallPriority = 'interactive' | 'background';

const storage = new AsyncLocalStorage<CallPriority>();

export function withPriority<T>(priority: CallPriority, work: () => Promise<T>): Promise<T> {
  return storage.run(priority, work);
}

export function currentPriority(): CallPriority {
  return storage.getStore() ?? 'interactive';
}
