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
