// What every listener gets: the configuration, the token module, the timer scheduler, the
// delivery of Slack effects, the channel-members cache, and the metrics it reports to.
import type { Metrics } from '../../metrics';
import type { Effects } from '../requestUpdates';

export type ListenerContext = Effects & { metrics: Pick<Metrics, 'observeAck'> };
