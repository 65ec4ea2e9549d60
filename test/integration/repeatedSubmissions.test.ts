// A Slack modal delivered twice (Slack retries a slow answer, the engineer clicks again) carries
// the same view.id: on the real MongoDB-wire server, postEstimate and logTime record it once,
// reserve budget once and audit it once, whether the twin comes later or at the same moment.
import { AuditEventModel } from '../../src/db/auditEvent';
import { EstimateModel } from '../../src/db/estimate';
import { RequestModel } from '../../src/db/request';
import { TimeEntryModel } from '../../src/db/timeEntry';
import { ErrorCode, UserFacingError } from '../../src/errors';
import { setLogLevel } from '../../src/logger';
import { decideEstimate, postEstimate, type EstimateInput } from '../../src/services/estimates';
import * as lifecycle from '../../src/services/requestLifecycle';
import { applySeed } from '../../src/services/seed';
import { isDuplicateKey } from '../../src/services/sequence';
import { logTime, type LogTimeInput } from '../../src/services/timeEntries';
import { useTestDatabase } from '../support/database';
import { createClaimedRequest } from '../support/records';
import { ACME, STAFF, uniqueName } from '../support/testEnv';

const SEED = `
managers: [${STAFF.manager}]
engineers: [${STAFF.engineer}, ${STAFF.engineer2}]
clients:
  - key: ACME
    name: Acme Ltd
    channels: [${ACME.channel}]
    hourlyRate: 95
    approvers: [${ACME.boss}]
    monthlyBudgetHours: 1000
`;

const engineer = { userId: STAFF.engineer };

beforeAll(() => {
  setLogLevel(process.env.TEST_LOG_LEVEL ?? 'silent');
});
useTestDatabase(() => applySeed(SEED));
afterEach(() => {
  jest.restoreAllMocks();
});

let counter = 0;

/** A request of its own, claimed by the engineer, so one test cannot hide what another did. */
async function claimedRequest(): Promise<string> {
  return createClaimedRequest('ACME', ++counter);
}

/** A claimed request whose estimate of `approvedMinutes` the client approved. */
async function approvedRequest(approvedMinutes: number): Promise<string> {
  const key = await claimedRequest();
  const posted = await postEstimate({ key, actor: engineer, lowMinutes: approvedMinutes, highMinutes: approvedMinutes, assumptions: '' });
  await decideEstimate({ estimateId: posted.estimate._id.toHexString(), actor: { userId: ACME.boss }, approve: true });
  return key;
}

const estimateInput = (key: string, submissionId?: string, fields: Partial<EstimateInput> = {}): EstimateInput => ({
  key,
  actor: engineer,
  lowMinutes: 120,
  highMinutes: 180,
  assumptions: 'Includes the DNS cut-over',
  ...(submissionId ? { submissionId } : {}),
  ...fields,
});

const logInput = (key: string, submissionId?: string, fields: Partial<LogTimeInput> = {}): LogTimeInput => ({
  key,
  actor: engineer,
  minutes: 45,
  note: 'Moved the mailboxes',
  billable: true,
  ...(submissionId ? { submissionId } : {}),
  ...fields,
});

const viewId = () => uniqueName('V0');

const versionsOf = async (key: string) => (await EstimateModel.find({ requestKey: key }).sort({ version: 1 }).lean()).map((e) => e.version);
const audits = (action: string, entityId: string) => AuditEventModel.countDocuments({ action, entityId });
const entriesOf = (key: string) => TimeEntryModel.find({ requestKey: key }).lean();
const timeAudits = (key: string) => AuditEventModel.countDocuments({ action: 'time.logged', 'after.requestKey': key });
const billableLogged = async (key: string) => (await RequestModel.findOne({ key }, { billableMinutesLogged: 1 }).lean())?.billableMinutesLogged;
const revisionOf = async (key: string) => (await RequestModel.findOne({ key }, { revision: 1 }).lean())?.revision;

describe('postEstimate with a submission', () => {
  it('records one version when the same modal is submitted twice', async () => {
    const key = await claimedRequest();
    const submission = viewId();
    const first = await postEstimate(estimateInput(key, submission));
    const revision = await revisionOf(key);

    const second = await postEstimate(estimateInput(key, submission));

    expect(first.repeated).toBe(false);
    expect(second.repeated).toBe(true);
    expect(second.estimate._id).toEqual(first.estimate._id);
    expect(second.estimate).toMatchObject({ version: 1, submissionId: submission, decision: 'pending' });
    expect(second.superseded).toEqual([]);
    expect(await versionsOf(key)).toEqual([1]);
    expect(await audits('estimate.posted', `${key}/v1`)).toBe(1);
    expect(await audits('request.estimate', key)).toBe(1);
    expect(await revisionOf(key)).toBe(revision);
  });

  it('records one version when both submissions arrive at once', async () => {
    const key = await claimedRequest();
    const submission = viewId();

    const results = await Promise.all([postEstimate(estimateInput(key, submission)), postEstimate(estimateInput(key, submission))]);

    expect(results.map((r) => r.repeated).sort()).toEqual([false, true]);
    expect(results[0]?.estimate._id).toEqual(results[1]?.estimate._id);
    expect(await versionsOf(key)).toEqual([1]);
    expect(await EstimateModel.countDocuments({ submissionId: submission })).toBe(1);
    expect(await AuditEventModel.countDocuments({ action: 'estimate.posted', entityId: { $regex: `^${key}/` } })).toBe(1);
    expect(await audits('request.estimate', key)).toBe(1);
    expect((await RequestModel.findOne({ key }).lean())?.state).toBe('awaiting_approval');
  });

  it('records one top-up when a top-up modal is submitted twice at once', async () => {
    const key = await approvedRequest(60);
    const submission = viewId();

    const results = await Promise.all([0, 1].map(() => postEstimate(estimateInput(key, submission, { topUp: true, lowMinutes: 60, highMinutes: 60 }))));

    expect(results.map((r) => r.repeated).sort()).toEqual([false, true]);
    expect(await versionsOf(key)).toEqual([1, 2]);
    expect(await audits('estimate.topup_requested', `${key}/v2`)).toBe(1);
  });

  it('answers a late repeat with the estimate as it is now, even after the request moved on', async () => {
    const key = await claimedRequest();
    const submission = viewId();
    const first = await postEstimate(estimateInput(key, submission));
    await decideEstimate({ estimateId: first.estimate._id.toHexString(), actor: { userId: ACME.boss }, approve: true });
    await RequestModel.updateOne({ key }, { $set: { state: 'resolved' } }); // no longer estimable

    const repeat = await postEstimate(estimateInput(key, submission));

    expect(repeat).toMatchObject({ repeated: true, autoApproved: false, superseded: [] });
    expect(repeat.estimate).toMatchObject({ version: 1, decision: 'approved', decidedBy: ACME.boss });
    expect(await versionsOf(key)).toEqual([1]);
  });

  it('records a version per submission when the submissions differ', async () => {
    const key = await claimedRequest();
    const first = await postEstimate(estimateInput(key, viewId()));
    const second = await postEstimate(estimateInput(key, viewId(), { highMinutes: 240 }));

    expect([first.repeated, second.repeated]).toEqual([false, false]);
    expect(second.superseded.map((e) => e.version)).toEqual([1]);
    expect(await versionsOf(key)).toEqual([1, 2]);
    expect(await audits('estimate.posted', `${key}/v2`)).toBe(1);
  });

  it('records every estimate without a submission, as before, and stores no submission for them', async () => {
    const key = await claimedRequest();
    const first = await postEstimate(estimateInput(key));
    const second = await postEstimate(estimateInput(key));

    expect([first.repeated, second.repeated]).toEqual([false, false]);
    expect(await versionsOf(key)).toEqual([1, 2]);
    const stored = await EstimateModel.collection.find({ requestKey: key }).toArray();
    expect(stored.map((e) => 'submissionId' in e)).toEqual([false, false]);
  });

  it('refuses to treat another engineer, or another request, as a repeat of the submission', async () => {
    const key = await claimedRequest();
    const other = await claimedRequest();
    const submission = viewId();
    await postEstimate(estimateInput(key, submission));

    await expect(postEstimate(estimateInput(key, submission, { actor: { userId: STAFF.engineer2 } }))).rejects.toThrow(/already posted/);
    await expect(postEstimate(estimateInput(other, submission))).rejects.toThrow(/already posted/);
    expect(await versionsOf(key)).toEqual([1]);
    expect(await versionsOf(other)).toEqual([]);
  });

  it('lets the submission go when the request moved on before the estimate took effect', async () => {
    const key = await claimedRequest();
    const submission = viewId();
    jest.spyOn(lifecycle, 'transitionRequest').mockRejectedValueOnce(new UserFacingError(ErrorCode.Conflict, `${key} changed while you were acting on it.`));

    await expect(postEstimate(estimateInput(key, submission))).rejects.toThrow(/changed while you were acting/);
    const failed = await EstimateModel.findOne({ requestKey: key, version: 1 }).lean();
    expect(failed?.decision).toBe('superseded');
    expect(failed?.submissionId).toBeUndefined();

    // Slack's retry of the same modal is then a submission like any other, not a repeat of a
    // superseded version.
    const retried = await postEstimate(estimateInput(key, submission));
    expect(retried).toMatchObject({ repeated: false, estimate: { version: 2, decision: 'pending', submissionId: submission } });
  });
});

describe('logTime with a submission', () => {
  it('logs once, reserves once and audits once when the same modal is submitted twice', async () => {
    const key = await approvedRequest(120);
    const submission = viewId();
    const first = await logTime(logInput(key, submission));

    const second = await logTime(logInput(key, submission));

    expect(first.repeated).toBe(false);
    expect(second.repeated).toBe(true);
    expect(second.entry._id).toEqual(first.entry._id);
    expect(second.entry).toMatchObject({ minutes: 45, billable: true, submissionId: submission });
    expect(second.budget).toEqual(first.budget);
    expect(second.budget).toMatchObject({ approvedMinutes: 120, usedMinutes: 45, remainingMinutes: 75 });
    expect(second.monthly).toEqual(first.monthly);
    expect(await entriesOf(key)).toHaveLength(1);
    expect(await billableLogged(key)).toBe(45);
    expect(await timeAudits(key)).toBe(1);
  });

  it('logs once and reserves once when both submissions arrive at once', async () => {
    const key = await approvedRequest(240);
    const submission = viewId();
    const monthlyBefore = (await logTime(logInput(key, viewId(), { minutes: 15 }))).monthly?.usedMinutes ?? 0;

    const results = await Promise.all([logTime(logInput(key, submission)), logTime(logInput(key, submission))]);

    expect(results.map((r) => r.repeated).sort()).toEqual([false, true]);
    expect(results[0]?.entry._id).toEqual(results[1]?.entry._id);
    expect(await TimeEntryModel.countDocuments({ submissionId: submission })).toBe(1);
    expect(await billableLogged(key)).toBe(15 + 45);
    expect(await timeAudits(key)).toBe(2);
    const repeat = results.find((r) => r.repeated);
    expect(repeat?.budget).toMatchObject({ usedMinutes: 60, remainingMinutes: 180 });
    expect(repeat?.monthly?.usedMinutes).toBe(monthlyBefore + 45);
  });

  it('never reserves twice when the budget has room for the time only once', async () => {
    const key = await approvedRequest(45);
    const submission = viewId();

    const outcomes = await Promise.allSettled([logTime(logInput(key, submission)), logTime(logInput(key, submission))]);

    const [entry, ...others] = await entriesOf(key);
    expect(others).toEqual([]);
    expect(await billableLogged(key)).toBe(45);
    expect(await timeAudits(key)).toBe(1);
    // Each twin gets the one entry, unless it ran out of budget before its twin's entry existed.
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') expect(outcome.value.entry._id).toEqual(entry?._id);
      else expect(outcome.reason).toBeInstanceOf(UserFacingError);
    }
    expect(outcomes.some((o) => o.status === 'fulfilled' && !o.value.repeated)).toBe(true);
  });

  it('answers a late repeat with the first entry even after the request was closed', async () => {
    const key = await approvedRequest(120);
    const submission = viewId();
    const first = await logTime(logInput(key, submission, { billable: false }));
    await RequestModel.updateOne({ key }, { $set: { state: 'closed' } }); // no longer loggable

    const repeat = await logTime(logInput(key, submission, { billable: false }));

    expect(repeat).toMatchObject({ repeated: true, monthly: undefined });
    expect(repeat.entry._id).toEqual(first.entry._id);
    expect(await entriesOf(key)).toHaveLength(1);
    expect(await timeAudits(key)).toBe(1);
  });

  it('logs an entry per submission when the submissions differ', async () => {
    const key = await approvedRequest(120);
    const first = await logTime(logInput(key, viewId()));
    const second = await logTime(logInput(key, viewId()));

    expect([first.repeated, second.repeated]).toEqual([false, false]);
    expect(second.entry._id).not.toEqual(first.entry._id);
    expect(await entriesOf(key)).toHaveLength(2);
    expect(await billableLogged(key)).toBe(90);
    expect(await timeAudits(key)).toBe(2);
    expect(second.monthly?.usedMinutes).toBe((first.monthly?.usedMinutes ?? 0) + 45);
  });

  it('logs every entry without a submission, as before, and stores no submission for them', async () => {
    const key = await approvedRequest(120);
    const first = await logTime(logInput(key));
    const second = await logTime(logInput(key));

    expect([first.repeated, second.repeated]).toEqual([false, false]);
    expect(await billableLogged(key)).toBe(90);
    expect(await timeAudits(key)).toBe(2);
    const stored = await TimeEntryModel.collection.find({ requestKey: key }).toArray();
    expect(stored.map((e) => 'submissionId' in e)).toEqual([false, false]);
  });

  it('refuses to treat another engineer, or another request, as a repeat of the submission', async () => {
    const key = await approvedRequest(120);
    const other = await approvedRequest(120);
    const submission = viewId();
    await logTime(logInput(key, submission));

    await expect(logTime(logInput(key, submission, { actor: { userId: STAFF.engineer2 } }))).rejects.toThrow(/already logged/);
    await expect(logTime(logInput(other, submission))).rejects.toThrow(/already logged/);
    expect(await entriesOf(key)).toHaveLength(1);
    expect(await billableLogged(key)).toBe(45);
    expect(await entriesOf(other)).toHaveLength(0);
    expect(await billableLogged(other)).toBe(0);
  });
});

describe('the submission indexes', () => {
  it('refuse a second record of one submission, and let any number have none', async () => {
    const key = await claimedRequest();
    const submission = viewId();
    const entry = { requestKey: key, clientKey: 'ACME', engineerId: STAFF.engineer, minutes: 30, workDate: '2026-11-03', billable: false, createdAt: new Date() };
    await TimeEntryModel.create({ ...entry, submissionId: submission });
    await TimeEntryModel.create(entry);
    await TimeEntryModel.create(entry);
    const duplicate = await TimeEntryModel.create({ ...entry, submissionId: submission }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isDuplicateKey(duplicate)).toBe(true);

    const estimate = { requestKey: key, clientKey: 'ACME', kind: 'estimate' as const, lowMinutes: 30, highMinutes: 30, hourlyRateMinor: 9500, currency: 'GBP', amountMinor: 4750, authorId: STAFF.engineer, createdAt: new Date() };
    await EstimateModel.create({ ...estimate, version: 1, submissionId: submission });
    await EstimateModel.create({ ...estimate, version: 2 });
    await EstimateModel.create({ ...estimate, version: 3 });
    const duplicateEstimate = await EstimateModel.create({ ...estimate, version: 4, submissionId: submission }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isDuplicateKey(duplicateEstimate)).toBe(true);
  });
});
