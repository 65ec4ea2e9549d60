// Who sees which requests through `/help list` and `/help ACME-42`: a client's people see their
// own client's open requests only, staff see every client's, anyone else is told kindly why not.
// A request of another client answers exactly like one that does not exist, so keys don't leak.
import { LIST_LIMIT } from '../../src/services/requestQueries';
import { ACTION } from '../../src/slack/ids';
import { clickAndSettle, clickForModal, openByCommand, submit, submitAndSettle } from '../support/flows';
import { startTestApp, type TestApp } from '../support/harness';
import { ACME, BETA, STAFF, TRIAGE } from '../support/testEnv';

const STRANGER = { user: 'U0STRANGER', channel: 'C0NOWHERE' } as const;

let t: TestApp;

/** Open requests, and finished ones that must never be listed. */
const acmeOpen: string[] = [];
const betaOpen: string[] = [];
let acmeCancelled: string;
let acmeClosed: string;
let betaCancelled: string;

beforeAll(async () => {
  t = await startTestApp();
  await t.seed();
  acmeOpen.push(await openByCommand(t, 'Acme secret roadmap review', ACME.member, ACME.channel));
  acmeOpen.push(await openByCommand(t, 'Acme invoices fail to render', ACME.boss, ACME.channel));
  betaOpen.push(await openByCommand(t, 'Beta confidential migration', BETA.member, BETA.channel));
  // One ACME request in work, so a claimed request is listed too.
  await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: acmeOpen[1]!, key: acmeOpen[1]! });

  acmeCancelled = await openByCommand(t, 'Acme cancelled thing', ACME.member, ACME.channel);
  await cancel(acmeCancelled, ACME.member, ACME.channel);
  betaCancelled = await openByCommand(t, 'Beta cancelled thing', BETA.member, BETA.channel);
  await cancel(betaCancelled, BETA.member, BETA.channel);

  acmeClosed = await openByCommand(t, 'Acme closed thing', ACME.member, ACME.channel);
  await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: acmeClosed, key: acmeClosed });
  const resolve = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.resolve, value: acmeClosed });
  await submitAndSettle(acmeClosed, () => submit(t, STAFF.engineer, resolve, { resolution: 'Done' }));
  await clickAndSettle(t, { user: ACME.member, channel: ACME.channel, actionId: ACTION.confirm, value: acmeClosed, key: acmeClosed });
});
afterAll(async () => {
  await t.stop();
});

async function cancel(key: string, user: string, channel: string): Promise<void> {
  const modal = await clickForModal(t, { user, channel, actionId: ACTION.cancel, value: key });
  await submitAndSettle(key, () => submit(t, user, modal, { reason: '' }));
}

/** The ephemeral answer to `/help <text>`. */
async function help(text: string, user: string, channel: string): Promise<string> {
  const res = await t.slack.slashCommand({ text, user_id: user, channel_id: channel });
  expect(res.status).toBe(200);
  const body = res.json() as { response_type?: string; text?: string };
  expect(body.response_type).toBe('ephemeral');
  return String(body.text);
}

/** The keys a list answer shows, in order. */
function listedKeys(answer: string): string[] {
  return [...answer.matchAll(/^• \*([A-Z]+-\d+)\*/gm)].map((m) => m[1]!);
}

describe('/help list', () => {
  it('shows a client member in C0ACME the open ACME requests only', async () => {
    const answer = await help('list', ACME.member, ACME.channel);
    expect(answer).toMatch(/^\*Open requests for Acme Ltd\* \(2\)/);
    expect(listedKeys(answer).sort()).toEqual([...acmeOpen].sort());
    expect(answer).not.toMatch(/BETA-\d/);
    expect(answer).not.toContain('Beta confidential');
  });

  it('shows the same ACME list to every ACME person in C0ACME, approver included', async () => {
    const answer = await help('list', ACME.boss, ACME.channel);
    expect(listedKeys(answer).sort()).toEqual([...acmeOpen].sort());
  });

  it('shows a client member in C0BETA the open BETA requests only', async () => {
    const answer = await help('list', BETA.member, BETA.channel);
    expect(answer).toMatch(/^\*Open requests for Beta Co\* \(1\)/);
    expect(listedKeys(answer)).toEqual(betaOpen);
    expect(answer).not.toMatch(/ACME-\d/);
    expect(answer).not.toContain('Acme secret');
  });

  it.each([
    ['an engineer', STAFF.engineer],
    ['a manager', STAFF.manager],
  ])('shows %s in the triage channel every client\'s open requests', async (_label, user) => {
    const answer = await help('list', user, TRIAGE);
    expect(answer).toMatch(/^\*Open requests \(all clients\)\* \(3\)/);
    expect(listedKeys(answer).sort()).toEqual([...acmeOpen, ...betaOpen].sort());
    // The claimed one names its engineer.
    expect(answer).toMatch(new RegExp(`\\*${acmeOpen[1]}\\* .*Claimed, normal, <@${STAFF.engineer}>`));
  });

  it('gives a stranger in a channel of no client a friendly explanation and no keys', async () => {
    const answer = await help('list', STRANGER.user, STRANGER.channel);
    expect(answer).toMatch(/isn't linked to a client/);
    expect(answer).toMatch(/support channel/);
    expect(answer).not.toMatch(/[A-Z]+-\d+/);
  });

  it('gives a client member outside their channel the same explanation, not their client\'s list', async () => {
    const answer = await help('list', ACME.member, STRANGER.channel);
    expect(answer).toMatch(/isn't linked to a client/);
    expect(answer).not.toMatch(/ACME-\d/);
  });

  it('never lists closed or cancelled requests, for the client or for staff', async () => {
    const finished = [acmeCancelled, acmeClosed, betaCancelled];
    for (const [user, channel] of [
      [ACME.member, ACME.channel],
      [BETA.member, BETA.channel],
      [STAFF.engineer, TRIAGE],
    ] as const) {
      const answer = await help('list', user, channel);
      expect(listedKeys(answer)).toEqual(expect.not.arrayContaining(finished));
      expect(answer).not.toMatch(/cancelled thing|closed thing/);
    }
  });
});

describe('/help KEY', () => {
  it('shows an ACME member in C0ACME the card of an ACME request', async () => {
    const key = acmeOpen[0]!;
    const answer = await help(key, ACME.member, ACME.channel);
    expect(answer).toContain(`*${key}* Acme secret roadmap review`);
    expect(answer).toMatch(/State: \*Open\*/);
    expect(answer).toContain(`Requested by <@${ACME.member}>`);
  });

  it('accepts the key in lower case', async () => {
    const key = acmeOpen[0]!;
    expect(await help(key.toLowerCase(), ACME.boss, ACME.channel)).toContain(`*${key}* Acme secret roadmap review`);
  });

  it('answers a BETA member in C0BETA asking for an ACME key with "couldn\'t find", leaking nothing', async () => {
    const key = acmeOpen[0]!;
    const answer = await help(key, BETA.member, BETA.channel);
    expect(answer).toMatch(/couldn't find/);
    expect(answer).not.toMatch(/Acme|roadmap|State:|Open|<@/);
  });

  it('answers a stranger in a channel of no client with "couldn\'t find"', async () => {
    const answer = await help(acmeOpen[0]!, STRANGER.user, STRANGER.channel);
    expect(answer).toMatch(/couldn't find/);
    expect(answer).not.toContain('roadmap');
  });

  it.each([
    ['an engineer in triage', STAFF.engineer, TRIAGE],
    ['an engineer in another client\'s channel', STAFF.engineer2, BETA.channel],
    ['a manager in a channel of no client', STAFF.manager, STRANGER.channel],
  ])('shows the card to staff anywhere: %s', async (_label, user, channel) => {
    const key = acmeOpen[1]!;
    const answer = await help(key, user, channel);
    expect(answer).toContain(`*${key}* Acme invoices fail to render`);
    expect(answer).toContain(`Engineer: <@${STAFF.engineer}>`);
  });

  it('shows a finished request to its client too (it is only left out of lists)', async () => {
    const answer = await help(acmeClosed, ACME.member, ACME.channel);
    expect(answer).toMatch(/State: \*Closed\*/);
    expect(answer).toContain('Resolution: Done');
  });

  it('answers "couldn\'t find" for a key that does not exist', async () => {
    for (const key of ['ACME-999', 'ZZZ-1']) {
      expect(await help(key, ACME.member, ACME.channel)).toMatch(/couldn't find/);
      expect(await help(key, STAFF.engineer, TRIAGE)).toMatch(/couldn't find/);
    }
  });

  it('answers another client\'s key exactly like a key that does not exist, so existence does not leak', async () => {
    const existing = acmeOpen[0]!;
    const missing = 'ACME-999';
    const forExisting = await help(existing, BETA.member, BETA.channel);
    const forMissing = await help(missing, BETA.member, BETA.channel);
    expect(forExisting.replace(existing, 'KEY')).toBe(forMissing.replace(missing, 'KEY'));
  });

  // The sub-commands that name a request answer another client's key as `/help status` does.
  it.each([
    ['estimate', (key: string) => `estimate ${key} 2h`],
    ['log', (key: string) => `log 1h ${key} reading`],
    ['merge', (key: string) => `merge ${key} ${betaOpen[0]}`],
    ['link', (key: string) => `link ${key} https://github.com/beta/app/pull/1`],
  ])('answers `%s` of another client\'s key exactly like one that does not exist', async (_label, command) => {
    const existing = acmeOpen[0]!;
    const missing = 'ACME-999';
    for (const who of [{ user: BETA.member, channel: BETA.channel }, STRANGER]) {
      const forExisting = await help(command(existing), who.user, who.channel);
      const forMissing = await help(command(missing), who.user, who.channel);
      expect(forMissing).toMatch(/couldn't find/);
      expect(forExisting.replace(existing, 'KEY')).toBe(forMissing.replace(missing, 'KEY'));
    }
  });
});

describe('a long list', () => {
  it(`shows the newest ${LIST_LIMIT} open requests and says how many more there are`, async () => {
    // Top ACME up to LIST_LIMIT + 3 open requests; finished ones must not count.
    const extra = LIST_LIMIT + 3 - acmeOpen.length;
    const added: string[] = [];
    // Opened one after the other without waiting for their Slack messages (20 posts to one
    // channel take Slack's pace, about a second each): the list reads the records.
    for (let i = 0; i < extra; i++) {
      const key = /\*(ACME-\d+)\*/.exec(await help(`Backlog item ${i + 1}`, ACME.member, ACME.channel))?.[1];
      if (!key) throw new Error(`Backlog item ${i + 1} was not opened`);
      added.push(key);
    }
    const allAcme = [...acmeOpen, ...added];

    const answer = await help('list', ACME.member, ACME.channel);
    expect(answer).toMatch(new RegExp(`^\\*Open requests for Acme Ltd\\* \\(${LIST_LIMIT + 3}\\)`));
    const shown = listedKeys(answer);
    expect(shown).toHaveLength(LIST_LIMIT);
    // Newest first: the last ones opened are shown, the oldest three are not.
    expect(shown).toEqual([...allAcme].reverse().slice(0, LIST_LIMIT));
    expect(answer.trimEnd().split('\n').pop()).toBe('…and 3 more');

    const staffView = await help('list', STAFF.engineer, TRIAGE);
    const total = allAcme.length + betaOpen.length;
    expect(staffView).toMatch(new RegExp(`^\\*Open requests \\(all clients\\)\\* \\(${total}\\)`));
    expect(listedKeys(staffView)).toHaveLength(LIST_LIMIT);
    expect(staffView.trimEnd().split('\n').pop()).toBe(`…and ${total - LIST_LIMIT} more`);

    // Beta's list is not affected by Acme's backlog.
    const betaView = await help('list', BETA.member, BETA.channel);
    expect(listedKeys(betaView)).toEqual(betaOpen);
    expect(betaView).not.toMatch(/more$/);
  });
});
