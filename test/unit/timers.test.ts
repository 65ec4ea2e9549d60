// Which timers a request should have, and when: the plan the scheduler turns into jobs.
import { planTimers, timerId, type TimerFacts, type TimerPolicy } from '../../src/domain/timers';

const at = (iso: string) => new Date(iso);
const london: TimerPolicy = {
  calendar: { timezone: 'Europe/London', hours: { alwaysOpen: false, days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' } },
  slaMinutes: { urgent: 15, high: 60, normal: 240, low: 480 },
};
const base: TimerFacts = {
  key: 'ACME-1',
  state: 'open',
  priority: 'normal',
  createdAt: at('2026-11-23T10:00:00Z'), // Monday 10:00 GMT
  clientWaits: [],
  timersFired: [],
};

const plan = (facts: Partial<TimerFacts>, policy = london) =>
  Object.fromEntries(planTimers({ ...base, ...facts }, policy).map((t) => [t.kind, t.dueAt.toISOString()]));

describe('planTimers', () => {
  it('plans the SLA reminder at 75% and the escalation at 100% of the target, in business time', () => {
    // normal = 240 business minutes: reminder at 180 → 13:00, escalation at 240 → 14:00.
    expect(plan({})).toEqual({ 'sla-remind': '2026-11-23T13:00:00.000Z', 'sla-escalate': '2026-11-23T14:00:00.000Z' });
  });

  it('carries the SLA over the weekend for a request opened on Friday evening', () => {
    // Friday 2026-11-27 19:00: counting starts Monday 09:00; high = 60 → remind 09:45, escalate 10:00.
    expect(plan({ priority: 'high', createdAt: at('2026-11-27T19:00:00Z') })).toEqual({
      'sla-remind': '2026-11-30T09:45:00.000Z',
      'sla-escalate': '2026-11-30T10:00:00.000Z',
    });
  });

  it('stops the SLA clock while the request waits on the client', () => {
    // Waiting 11:00–12:00 (60 min) moves both by an hour; an open wait stops them altogether.
    expect(plan({ clientWaits: [{ from: at('2026-11-23T11:00:00Z'), to: at('2026-11-23T12:00:00Z') }] })).toEqual({
      'sla-remind': '2026-11-23T14:00:00.000Z',
      'sla-escalate': '2026-11-23T15:00:00.000Z',
    });
    expect(plan({ clientWaits: [{ from: at('2026-11-23T11:00:00Z') }] })).toEqual({});
  });

  it('plans nothing for the SLA once someone responded, and skips timers that fired', () => {
    expect(plan({ firstResponseAt: at('2026-11-23T10:05:00Z'), state: 'claimed', claimedAt: at('2026-11-23T10:05:00Z') })).toEqual({
      // Claimed, no estimate: nudge after four business hours → 14:05.
      'estimate-nudge': '2026-11-23T14:05:00.000Z',
    });
    const fired = timerId('sla-remind', 'ACME-1', base.createdAt);
    expect(Object.keys(plan({ timersFired: [fired] }))).toEqual(['sla-escalate']);
  });

  it('reminds approvers after one business day and escalates after three', () => {
    // Estimated Thursday 2026-11-26 16:00: +510 business min → Friday 16:00; +1530 → Tuesday 16:00.
    expect(
      plan({ state: 'awaiting_approval', firstResponseAt: at('2026-11-26T10:00:00Z'), estimatedAt: at('2026-11-26T16:00:00Z'), clientWaits: [{ from: at('2026-11-26T16:00:00Z') }] }),
    ).toEqual({ 'approval-remind': '2026-11-27T16:00:00.000Z', 'approval-escalate': '2026-12-01T16:00:00.000Z' });
  });

  it('nudges an approved but idle request after two business days, and auto-closes three days after resolution', () => {
    expect(plan({ state: 'approved', firstResponseAt: base.createdAt, approvedAt: at('2026-11-27T12:00:00Z') })).toEqual({
      'idle-nudge': '2026-12-01T12:00:00.000Z',
    });
    expect(plan({ state: 'resolved', firstResponseAt: base.createdAt, resolvedAt: at('2026-11-27T12:00:00Z') })).toEqual({
      'auto-close': '2026-11-30T12:00:00.000Z',
    });
  });

  it('uses wall-clock minutes for a 24x7 client', () => {
    const always: TimerPolicy = { ...london, calendar: { timezone: 'Europe/London', hours: { alwaysOpen: true, days: [], start: '00:00', end: '23:59' } } };
    expect(plan({ priority: 'urgent', createdAt: at('2026-11-28T23:50:00Z') }, always)).toEqual({
      'sla-remind': '2026-11-29T00:02:00.000Z', // ceil(15 × 0.75) = 12 min
      'sla-escalate': '2026-11-29T00:05:00.000Z',
    });
  });

  it('makes IDs without colons, unique per request, kind and start of the clock', () => {
    const id = timerId('approval-remind', 'ACME-1', at('2026-11-26T16:00:00Z'));
    expect(id).toBe('approval-remind-ACME-1-1795708800000');
    expect(id).not.toContain(':');
  });
});
