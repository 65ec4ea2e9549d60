// What every listener gets: the configuration, the token module and the timer scheduler.
import type { Effects } from '../requestUpdates';

export type ListenerContext = Effects;
