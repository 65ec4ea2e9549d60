// What every listener gets: the configuration, the token module, the timer scheduler, the
// delivery of Slack effects, the channel-members cache, the metrics it reports to, and the web
// process's index of closed requests (estimate hints, services/history.ts).
import type { Metrics } from '../../observability/metrics';
import type { RequestHistory } from '../../services/history';
import type { Effects } from '../requestUpdates';

export type ListenerContext = Effects & { metrics: Pick<Metrics, 'observeAck'>; history: RequestHistory };
