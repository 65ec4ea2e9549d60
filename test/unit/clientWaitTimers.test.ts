// Waiting on the client (#13): after an engineer asks the client a question, the client is nudged
// after one and after three business days without an answer, and after `waitingOnClientDays`
// (default 5) the request is resolved. Business days in the client's calendar, across a clock change.
import { planTimers, type TimerFacts, type TimerPolicy } from '../../src/domain/timers';

const at = (iso: string) => new Date(iso);
const london: TimerPolicy = {
  calendar: { timezone: 'Europe/London', hours: { alwaysOpen: false, days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' } },
  slaMinutes: { urgent: 15, high: 60, normal: 240, low: 480 },
  waitingOnClientDays: 5,
};
// Claimed and answered long ago; asked the client on Friday 23 October 2026 at 16:00 BST (15:00Z).
const asked: TimerFacts = {
  key: 'ACME-9',
  state: 'claimed',
  priority: 'normal',
  createdAt: at('2026-10-23T08:00:00Z'),
  firstResponseAt: at('2026-10-23T08:05:00Z'),
  claimedAt: at('2026-10-23T08:05:00Z'),
  clientWaits: [{ from: at('2026-10-23T15:00:00Z') }],
  timersFired: [],
};
const waitTimers = (facts: Partial<TimerFacts>, policy = london) =>
  Object.fromEntries(
    planTimers({ ...asked, ...facts }, policy)
      .filter((t) => t.kind.startsWith('client-'))
      .map((t) => [t.kind, t.dueAt.toISOString()]),
  );

describe('waiting on the client', () => {
  it('nudges after one and three business days and gives up after five, across the October clock change', () => {
    // 1.5 business hours left on Friday, the clocks go back on Sunday 25 October: one business day
    // (8.5 h) later is Monday 16:00 GMT, three are Wednesday 16:00, five are Friday 30th 16:00.
    expect(waitTimers({})).toEqual({
      'client-nudge': '2026-10-26T16:00:00.000Z',
      'client-nudge-again': '2026-10-28T16:00:00.000Z',
      'client-give-up': '2026-10-30T16:00:00.000Z',
    });
  });

  it("gives up after the client's own number of business days", () => {
    expect(waitTimers({}, { ...london, waitingOnClientDays: 2 })['client-give-up']).toBe('2026-10-27T16:00:00.000Z');
  });

  it('plans none once the client answered, while an estimate waits (its own reminders), or once resolved or finished', () => {
    expect(waitTimers({ clientWaits: [{ from: at('2026-10-23T15:00:00Z'), to: at('2026-10-23T15:30:00Z') }] })).toEqual({});
    expect(waitTimers({ state: 'awaiting_approval', estimatedAt: at('2026-10-23T15:00:00Z') })).toEqual({});
    for (const state of ['resolved', 'closed', 'cancelled', 'merged'] as const) expect(waitTimers({ state })).toEqual({});
  });

  it('keeps the same deterministic IDs for the same question, and new ones for a new question', () => {
    const ids = (facts: Partial<TimerFacts>) => planTimers({ ...asked, ...facts }, london).filter((t) => t.kind.startsWith('client-')).map((t) => t.id);
    expect(ids({})).toEqual(ids({}));
    expect(ids({})).toEqual(['client-nudge-ACME-9-1792767600000', 'client-nudge-again-ACME-9-1792767600000', 'client-give-up-ACME-9-1792767600000']);
    const later = [{ from: at('2026-10-23T15:00:00Z'), to: at('2026-10-23T15:30:00Z') }, { from: at('2026-10-26T10:00:00Z') }];
    expect(ids({ clientWaits: later })[0]).toBe(`client-nudge-ACME-9-${at('2026-10-26T10:00:00Z').getTime()}`);
  });
});
