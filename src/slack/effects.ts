// What the Slack side hands every listener, trigger and job: the config, the tokens, the delivery
// (the one way effects leave), the timers and channel membership. Its own module, so that what
// uses it (the digest, Home, billing runs, what follows a request's change) imports no one else.
import type { Config } from '../config';
import type { TimerScheduler } from '../services/timers';
import type { Delivery } from './delivery';
import type { Membership } from './membership';
import type { SlackTokens } from './tokens';

export interface Effects {
  config: Config;
  tokens: SlackTokens;
  timers: TimerScheduler;
  delivery: Delivery;
  membership: Membership;
}
