import { parseDuration } from '../../src/domain/duration';
import { parseHelpCommand, titleAndDetails } from '../../src/domain/helpCommand';

describe('parseHelpCommand', () => {
  it.each([
    ['', { kind: 'modal' }],
    ['   ', { kind: 'modal' }],
    ['list', { kind: 'list' }],
    ['LIST', { kind: 'list' }],
    ['help', { kind: 'usage' }],
    ['ACME-42', { kind: 'status', key: 'ACME-42' }],
    ['acme-7', { kind: 'status', key: 'ACME-7' }],
    ['admin show', { kind: 'admin', args: ['show'], text: 'show' }],
    ['admin client ACME name: Acme  Ltd', { kind: 'admin', args: ['client', 'ACME', 'name:', 'Acme', 'Ltd'], text: 'client ACME name: Acme  Ltd' }],
    ['The checkout page returns 500', { kind: 'open', text: 'The checkout page returns 500' }],
    ['list of users is broken', { kind: 'open', text: 'list of users is broken' }],
    ['help me please, the site is down', { kind: 'open', text: 'help me please, the site is down' }],
    ['admin panel is down', { kind: 'open', text: 'admin panel is down' }],
    ['ACME-42 is broken again', { kind: 'open', text: 'ACME-42 is broken again' }],
    ['estimate ACME-42 3h', { kind: 'estimate', key: 'ACME-42', amount: '3h', assumptions: '' }],
    ['estimate acme-42 2-4h  staging only, no data migration', { kind: 'estimate', key: 'ACME-42', amount: '2-4h', assumptions: 'staging only, no data migration' }],
    ['estimate ACME-42 +2h', { kind: 'estimate', key: 'ACME-42', amount: '+2h', assumptions: '' }],
    // No time: what similar past requests took.
    ['estimate ACME-42', { kind: 'estimateHint', key: 'ACME-42' }],
    ['estimate  acme-42 ', { kind: 'estimateHint', key: 'ACME-42' }],
    ['estimate the cost of a rewrite', { kind: 'open', text: 'estimate the cost of a rewrite' }],
    ['log 1h30m ACME-42 fixed the cron', { kind: 'log', key: 'ACME-42', duration: '1h30m', note: 'fixed the cron' }],
    ['log ACME-42 45m', { kind: 'log', key: 'ACME-42', duration: '45m', note: '' }],
    ['log files are huge', { kind: 'open', text: 'log files are huge' }],
    ['billing', { kind: 'billing', clientKey: undefined, month: undefined }],
    ['billing acme 2026-11', { kind: 'billing', clientKey: 'ACME', month: '2026-11' }],
    ['billing 2026-11', { kind: 'billing', clientKey: undefined, month: '2026-11' }],
    ['digest', { kind: 'digest' }],
    ['link ACME-42 https://github.com/acme/shop/pull/12', { kind: 'link', key: 'ACME-42', url: 'https://github.com/acme/shop/pull/12' }],
    ['link acme-42 <https://github.com/acme/shop/pull/12>', { kind: 'link', key: 'ACME-42', url: 'https://github.com/acme/shop/pull/12' }],
    ['link https://x.atlassian.net/browse/A-1 ACME-42', { kind: 'link', key: 'ACME-42', url: 'https://x.atlassian.net/browse/A-1' }],
    ['link ACME-42', { kind: 'mistake', command: 'link', problem: 'Give the link to the pull request or issue after the request.' }],
    ['link ACME-42 https://a.example/1 https://b.example/2', { kind: 'mistake', command: 'link', problem: 'Give one request and one link, nothing else.' }],
    ['link to the docs is dead', { kind: 'open', text: 'link to the docs is dead' }],
    ['digest emails are not sent', { kind: 'open', text: 'digest emails are not sent' }],
    ['billing is wrong on the invoice page', { kind: 'open', text: 'billing is wrong on the invoice page' }],

  ])('%j → %j', (text, expected) => {
    expect(parseHelpCommand(text)).toEqual(expected);
  });
});

describe('titleAndDetails', () => {
  it('uses a short single line as the title only', () => {
    expect(titleAndDetails('Site down', 150)).toEqual({ title: 'Site down', details: '' });
  });
  it('keeps the whole text as details when there is more than one line', () => {
    expect(titleAndDetails('Site down\nsince 9am', 150)).toEqual({ title: 'Site down', details: 'Site down\nsince 9am' });
  });
  it('cuts a long first line into a title with an ellipsis', () => {
    const { title, details } = titleAndDetails('x'.repeat(200), 150);
    expect(title).toHaveLength(150);
    expect(title.endsWith('…')).toBe(true);
    expect(details).toHaveLength(200);
  });
});

// #14, defect 4: commands that lost time or opened a request titled with the command.
describe('sub-commands written with spaces, in either order, or wrong', () => {
  it.each([
    ['log ACME-42 1h 30m fixed', { kind: 'log', key: 'ACME-42', duration: '1h 30m', note: 'fixed' }],
    ['log 1h 30m ACME-42', { kind: 'log', key: 'ACME-42', duration: '1h 30m', note: '' }],
    ['log 1h 30m ACME-42 moved the mailboxes', { kind: 'log', key: 'ACME-42', duration: '1h 30m', note: 'moved the mailboxes' }],
    ['log ACME-42 1:30', { kind: 'log', key: 'ACME-42', duration: '1:30', note: '' }],
    // Parsed as a command; the log itself refuses the negative duration in plain words.
    ['log -1h ACME-42', { kind: 'log', key: 'ACME-42', duration: '-1h', note: '' }],
    // Parsed as a command; the estimate refuses "lots" as a duration.
    ['estimate ACME-42 lots', { kind: 'estimate', key: 'ACME-42', amount: 'lots', assumptions: '' }],
    ['estimate ACME-42 2h 30m incl. tests', { kind: 'estimate', key: 'ACME-42', amount: '2h 30m', assumptions: 'incl. tests' }],
    ['estimate ACME-42 2-4h', { kind: 'estimate', key: 'ACME-42', amount: '2-4h', assumptions: '' }],
  ])('%j is %j', (text, expected) => expect(parseHelpCommand(text)).toEqual(expected));

  // #21, defect 3: a bare number right after hours is minutes, as parseDuration reads it; it was the note.
  it.each([
    ['log ACME-42 1h 30', '1h 30', ''],
    ['log ACME-42 1h 30 mins fixed', '1h 30 mins', 'fixed'],
    ['log ACME-42 1h 30 minutes fixed the cron', '1h 30 minutes', 'fixed the cron'],
    ['log ACME-42 2 hours 5 minutes', '2 hours 5 minutes', ''],
    ['log ACME-42 90 mins reading logs', '90 mins', 'reading logs'],
    ['log ACME-42 1h 30 non-billable', '1h 30', 'non-billable'],
    ['log 1h 30 ACME-42 fixed', '1h 30', 'fixed'],
    ['log 1h 30 mins ACME-42', '1h 30 mins', ''],
    // Minutes over 59 after hours are the duration's, so its own error says what is wrong (not a note of "75").
    ['log ACME-42 1h 75 fixed', '1h 75', 'fixed'],
    // Only after hours: a number after minutes, or after a whole duration, starts the note.
    ['log ACME-42 1h30m 2 servers restarted', '1h30m', '2 servers restarted'],
    ['log ACME-42 45m 3 tickets', '45m', '3 tickets'],
    ['log ACME-42 1:30 2 calls', '1:30', '2 calls'],
  ])('%j logs %j with the note %j', (text, duration, note) => {
    expect(parseHelpCommand(text)).toEqual({ kind: 'log', key: 'ACME-42', duration, note });
  });

  it.each([
    ['log ACME-42 1h 30', 90],
    ['log ACME-42 1h 30 mins fixed', 90],
    ['log ACME-42 2 hours 5 minutes', 125],
    ['log 1h 30 ACME-42', 90],
  ])('%j is %d minutes, as parseDuration says', (text, minutes) => {
    const parsed = parseHelpCommand(text);
    expect(parsed.kind === 'log' && parseDuration(parsed.duration)).toEqual({ ok: true, minutes });
  });

  it.each([
    ['estimate ACME-42 1h 30 incl. tests', '1h 30', 'incl. tests'],
    ['estimate ACME-42 +1h 30', '+1h 30', ''],
  ])('%j estimates %j with the assumptions %j', (text, amount, assumptions) => {
    expect(parseHelpCommand(text)).toEqual({ kind: 'estimate', key: 'ACME-42', amount, assumptions });
  });

  it.each([
    ['billing ACME 2026-13', 'billing', /2026-13 is not a month/],
    ['billing 2026-00', 'billing', /2026-00 is not a month/],
    ['log 1h30m', 'log', /which request/],
    ['log ACME-42 fixed the cache', 'log', /how long/],
    ['estimate 3h ACME-42', 'estimate', /request first/],
  ])('%j is answered with what was wrong, never opened', (text, command, problem) => {
    const parsed = parseHelpCommand(text);
    expect(parsed).toMatchObject({ kind: 'mistake', command });
    expect(parsed.kind === 'mistake' && parsed.problem).toMatch(problem);
  });

  it.each(['list of users is broken', 'log in page is broken', 'log rotation fails after 2 days', 'estimate page shows wrong totals', 'billing page is slow to load'])(
    '%j still opens a request',
    (text) => expect(parseHelpCommand(text)).toEqual({ kind: 'open', text }),
  );
});
