// What every listener gets: the configuration, the token module, the timer scheduler, the
// delivery of Slack effects, the channel-members cache, the metrics it reports to, the web
// process's index of closed requests (estimate hints, services/history.ts), and the queues of work
// that acknowledgements must not wait behind.
import type { Metrics } from '../../observability/metrics';
import type { RequestHistory } from '../../services/history';
import type { Effects } from '../requestUpdates';
import type { WorkQueue } from './afterAck';

/** `answers` and `afterAck`: the web process's work queues (afterAck.ts). */
export type ListenerContext = Effects & { metrics: Pick<Metrics, 'observeAck'>; history: RequestHistory; answers: WorkQueue; afterAck: WorkQueue };
