// What every listener gets: the configuration, the token module and the timer scheduler.
import type { Config } from '../../config';
import type { Effects } from '../requestUpdates';

export interface ListenerContext extends Effects {
  config: Config;
}
