import { canTransition, nextState, REQUEST_STATES, TRANSITIONS, type RequestAction } from '../../src/domain/lifecycle';
import { isAllowed, refusalForRole, type ActorFacts } from '../../src/domain/permissions';
import { amountForMinutes } from '../../src/domain/billing';
import { formatMoney, minorUnitDigits, toMinorUnits } from '../../src/domain/money';
import { parseRequestKey } from '../../src/domain/requestKey';
import { escapeAndTruncate, escapeMrkdwn } from '../../src/slack/mrkdwn';
import { retryDelayMs } from '../../src/domain/slackDelivery';

describe('request keys', () => {
  it.each([
    ['ACME-42', 'ACME-42'],
    [' acme-1 ', 'ACME-1'],
    ['AB-999999999', 'AB-999999999'],
  ])('parses %j', (text, key) => expect(parseRequestKey(text)?.key).toBe(key));

  it.each(['ACME', 'ACME-0', 'A-1', 'ACMEACMEACME-1', 'ACME-1-2', 'ACME--1', '{"$gt":""}', 'ACME-1234567890'])(
    'rejects %j',
    (text) => expect(parseRequestKey(text)).toBeUndefined(),
  );
});

describe('money', () => {
  it.each([
    [95, 'GBP', 9500],
    ['92.50', 'GBP', 9250],
    [92.5, 'GBP', 9250],
    ['0.01', 'EUR', 1],
    [1000, 'JPY', 1000],
  ] as const)('%j %s → %d minor units', (amount, currency, minor) => expect(toMinorUnits(amount, currency)).toBe(minor));

  it.each([['92.505', 'GBP'], ['1.5', 'JPY'], ['-1', 'GBP'], ['abc', 'GBP'], ['', 'GBP']])('rejects %j %s', (amount, currency) =>
    expect(toMinorUnits(amount, currency)).toBeUndefined(),
  );

  // Defect 6 of #14: only JPY/KRW and BHD/KWD were special-cased; CLP got two decimals (a CLP
  // 50,000/h client was billed CLP 41,666.67 for 50 minutes) and JOD could not hold its third.
  it.each([
    ['CLP', 0],
    ['ISK', 0],
    ['VND', 0],
    ['XOF', 0],
    ['UGX', 0],
    ['JPY', 0],
    ['GBP', 2],
    ['USD', 2],
    ['JOD', 3],
    ['OMR', 3],
    ['TND', 3],
    ['BHD', 3],
    ['KWD', 3],
  ] as const)('%s has %d decimals, from the ISO 4217 data', (currency, digits) => expect(minorUnitDigits(currency)).toBe(digits));

  it('bills CLP in whole pesos and JOD to the fils', () => {
    expect(toMinorUnits('50000', 'CLP')).toBe(50000);
    expect(toMinorUnits('50000.50', 'CLP')).toBeUndefined();
    expect(amountForMinutes(50, toMinorUnits('50000', 'CLP') ?? 0)).toBe(41667);
    expect(formatMoney(41667, 'CLP').replace(/\s/g, ' ')).toBe('CLP 41,667');
    expect(toMinorUnits('12.345', 'JOD')).toBe(12345);
    expect(formatMoney(12345, 'JOD').replace(/\s/g, ' ')).toBe('JOD 12.345');
  });

  it('formats in the currency', () => {
    expect(formatMoney(28500, 'GBP')).toBe('£285.00');
    expect(formatMoney(5, 'EUR')).toBe('€0.05');
  });
});

describe('lifecycle', () => {
  it.each([
    ['open', 'claim', 'claimed'],
    ['claimed', 'estimate', 'awaiting_approval'],
    ['awaiting_approval', 'approve', 'approved'],
    ['awaiting_approval', 'decline', 'declined'],
    ['declined', 'estimate', 'awaiting_approval'],
    ['approved', 'startWork', 'in_progress'],
    ['in_progress', 'resolve', 'resolved'],
    ['claimed', 'resolve', 'resolved'],
    ['resolved', 'confirm', 'closed'],
    ['resolved', 'reopen', 'in_progress'],
    ['resolved', 'autoClose', 'closed'],
    ['open', 'cancel', 'cancelled'],
    ['claimed', 'unclaim', 'open'],
    ['closed', 'rate', 'closed'],
  ] as const)('%s --%s--> %s', (from, action, to) => {
    expect(canTransition(from, action)).toBe(true);
    expect(nextState(from, action)).toBe(to);
  });

  it.each([
    ['open', 'resolve'],
    ['open', 'confirm'],
    ['approved', 'approve'],
    ['approved', 'cancel'],
    ['in_progress', 'cancel'],
    ['closed', 'reopen'],
    ['cancelled', 'claim'],
    ['claimed', 'claim'],
    ['resolved', 'rate'],
  ] as const)('refuses %s --%s-->', (from, action) => expect(canTransition(from, action)).toBe(false));

  it('never leaves closed or cancelled except to rate', () => {
    for (const action of Object.keys(TRANSITIONS) as RequestAction[]) {
      expect(canTransition('cancelled', action)).toBe(false);
      if (action !== 'rate') expect(canTransition('closed', action)).toBe(false);
    }
    expect(REQUEST_STATES).toContain('in_progress');
  });
});

describe('escaping user text', () => {
  it.each([
    ['<!channel> help', '&lt;!channel&gt; help'],
    ['<@U123> and <!here>', '&lt;@U123&gt; and &lt;!here&gt;'],
    ['a & b', 'a &amp; b'],
    ['<https://evil.example|click>', '&lt;https://evil.example|click&gt;'],
  ])('%j → %j', (text, escaped) => expect(escapeMrkdwn(text)).toBe(escaped));

  it('never cuts inside an entity', () => {
    const out = escapeAndTruncate(`${'x'.repeat(8)}&&&`, 12);
    expect(out.endsWith('…')).toBe(true);
    expect(out).not.toMatch(/&(?![a-z]+;)/);
  });
});

describe('what only the client decides', () => {
  const nobody: ActorFacts = { isManager: false, isEngineer: false, isClientMember: false, isColleague: false, isApprover: false, isRequester: false, isAssignee: false };
  // #14, defect 11: an engineer who opened the request on the client's behalf is its requester,
  // and could confirm their own fix, which closes the request and makes it billable.
  it.each(['confirm', 'reopen', 'rate'] as const)('%s: not the engineer who opened it for the client, even as its requester', (action) => {
    expect(isAllowed(action, { ...nobody, isEngineer: true, isRequester: true, isAssignee: true })).toBe(false);
    expect(isAllowed(action, { ...nobody, isManager: true, isRequester: true })).toBe(false);
    expect(isAllowed(action, { ...nobody, isRequester: true, isClientMember: true })).toBe(true);
    expect(isAllowed(action, { ...nobody, isClientMember: true })).toBe(true);
  });

  // #13: our own full members in a client's channel (account managers, sales) are not the client.
  it.each(['approve', 'decline', 'confirm', 'reopen', 'rate', 'cancel'] as const)('%s: not a colleague, even one who asked for the client', (action) => {
    expect(isAllowed(action, { ...nobody, isColleague: true })).toBe(false);
    expect(isAllowed(action, { ...nobody, isColleague: true, isRequester: true })).toBe(false);
    expect(refusalForRole(action, { isColleague: true }, 'ACME')).toMatch(/^You're a member of our own workspace, not of ACME's side, so you can read and comment here but not /);
    expect(refusalForRole(action, { isColleague: true, sideUnknown: true }, 'ACME')).toMatch(/^I couldn't check with Slack/);
  });

  it.each(['view', 'comment', 'open'] as const)('%s: a colleague may', (action) => {
    expect(isAllowed(action, { ...nobody, isColleague: true })).toBe(true);
    expect(isAllowed(action, nobody)).toBe(false);
  });
});

describe('the retry back-off of Slack deliveries', () => {
  it('doubles from 1 s and stops at one minute by default', () => {
    expect([1, 2, 3, 6, 7, 8, 19].map((attempts) => retryDelayMs(attempts))).toEqual([1000, 2000, 4000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('doubles from the configured first wait up to the configured longest', () => {
    const backoff = { firstMs: 100, longestMs: 6000 };
    expect([1, 2, 3, 6, 7, 8].map((attempts) => retryDelayMs(attempts, backoff))).toEqual([100, 200, 400, 3200, 6000, 6000]);
  });
});
