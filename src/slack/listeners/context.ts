// What every listener gets: the configuration, the token module, the timer scheduler, the
// delivery of Slack effects, the channel-members cache, the metrics it reports to, and the queue
// of work done after acknowledgements.
import type { Metrics } from '../../metrics';
import type { Effects } from '../requestUpdates';
import type { AfterAck } from './afterAck';

/** `afterAck`: runs the work a listener does after its acknowledgement, a few at a time (afterAck.ts). */
export type ListenerContext = Effects & { metrics: Pick<Metrics, 'observeAck'>; afterAck: AfterAck };
