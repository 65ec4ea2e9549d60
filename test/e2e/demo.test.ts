// `npm run demo` end to end: the script plays the whole story against the shared test servers (a
// database of its own) and prints what each person saw; the HTML transcript is written and safe.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { blocksToHtml, blocksToText } from '../../scripts/demo/blocks';
import { buildTranscript, type CallRecord, type StoryNote } from '../../scripts/demo/events';
import { eventToHtml } from '../../scripts/demo/html';
import { renderTranscriptText } from '../../scripts/demo/transcript';
import { mrkdwnToHtml, mrkdwnToText } from '../../scripts/demo/slackMarkup';
import { testDatabaseUri, testRedisUrl } from '../support/testEnv';

const ROOT = path.resolve(__dirname, '..', '..');
const DEMO_TIMEOUT_MS = 120_000;

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(args: string[], env: Record<string, string>): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/demo.sh', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), DEMO_TIMEOUT_MS - 5_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let run: DemoRun;
let outDir: string;
let databaseUri: string;

beforeAll(async () => {
  outDir = await mkdtemp(path.join(os.tmpdir(), 'adhoc-demo-'));
  databaseUri = testDatabaseUri();
  run = await runDemo(['--out', outDir], { MONGODB_URI: databaseUri, REDIS_URL: testRedisUrl() });
}, DEMO_TIMEOUT_MS);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
  const connection = await mongoose.createConnection(databaseUri).asPromise();
  await connection.dropDatabase().catch(() => undefined);
  await connection.close();
});

function htmlFile(): string {
  const written = /Transcript written to (.+\.html)$/m.exec(run.stdout)?.[1];
  if (!written) throw new Error(`the demo did not say where the transcript is:\n${run.stdout}`);
  return written;
}

describe('npm run demo', () => {
  it('plays the whole story and exits 0', () => {
    if (run.code !== 0) throw new Error(`the demo exited with ${String(run.code)}:\n${run.stderr}\n${run.stdout}`);
    expect(run.code).toBe(0);
  });

  it('prints what each person saw, at each key moment', () => {
    const moments: Array<[string, RegExp]> = [
      ['ACME-1 opened', /only Alice sees: ✅ Opened \*ACME-1\*/],
      ['claimed by Bob', /@Bob is on it/],
      ['similar past requests at the estimate', /only Bob sees: \*ACME-1\*: \*Similar past requests\*\n\s+• another client's request, \d[\s\S]*?Suggested: \*1h 53m – 2h 33m\*/],
      ['the estimate', /\*Estimate v1 for ACME-1:\* 2h at £95\.00\/h = \*£190\.00\*/],
      ['approved by Carol', /@Carol approved the estimate \(v1, 2h\)/],
      ['the budget guard refusal', /only Bob sees: Logging 1h as billable would go past what the client approved for ACME-1/],
      ['the top-up', /\*Top-up request v2 for ACME-1:\* 1h at £95\.00\/h = \*£95\.00\*/],
      ['the top-up approved', /@Carol approved the top-up \(v2, 1h\)/],
      ['the time accepted after the top-up', /Logged 1h \(billable\) on \*ACME-1\*/],
      ['resolved', /ACME-1 is resolved/],
      // The click's response_url replaced the triage message for everyone: not a reply only the clicker sees.
      ['the claim updating the triage message in place', /Bob clicks \[ Claim \][^\n]*\n(?:(?!▶)[^\n]*\n)*?\s+#triage\n\s+updated in place: [^\n]*ACME-1/],
      ['confirmed', /@Alice confirmed the fix; ACME-1 is closed/],
      ['rated five stars', /Rated ★★★★★/],
      ['the SLA reminder', /⏰ \*ACME-2\* \(normal\) .* has no first response yet/],
      ['the SLA escalation to Mary', /DM from Ad-hoc Help to Mary\n\s+Ad-hoc Help: 🚨 \*ACME-2\*/],
      ['the duplicate merged', /@Bob merged ACME-3 into \*ACME-2\* as a duplicate/],
      ['the link back from the original', /Duplicates merged here: \*ACME-3\*/],
      ['the round-robin offer to Bob', /DM from Ad-hoc Help to Bob\n\s+Ad-hoc Help: 📥 It's your turn: \*ACME-4\*/],
      ['Bob declines, Dan is offered it', /Bob clicks \[ Decline \][\s\S]*DM from Ad-hoc Help to Dan\n\s+Ad-hoc Help: 📥 It's your turn: \*ACME-4\*/],
      ['Dan takes it', /@Dan is on it/],
      ['the weekly digest (or its absence)', /Weekly digest|digest: not available in this build/],
      ['the month issued', /Mary clicks \[ Issue summary \][\s\S]*✅ \*Issued\* by @Mary/],
      ['its Xero file in Mary’s DMs', /DM from Ad-hoc Help to Mary\n[\s\S]*file uploaded: ACME-\d{4}-\d{2}-xero\.csv/],
      ['what the Xero file says', /Acme Ltd,{10}ACME-\d{4}-\d{2},"Support, [^"]+",\d{2}\/\d{2}\/\d{4},\d{2}\/\d{2}\/\d{4},,ACME-1 The checkout page returns 500: 2h 30m of support,2\.50,95\.00,,200,No VAT,,,,,GBP,/],
    ];
    const missing = moments.filter(([, pattern]) => !pattern.test(run.stdout)).map(([name]) => name);
    expect(missing).toEqual([]);
  });

  it('turns Slack markup into readable text', () => {
    expect(run.stdout).not.toMatch(/<[@#!][A-Z0-9^]/);
    expect(run.stdout).not.toMatch(/&(lt|gt|amp);/);
    // What Alice typed comes back exactly as she typed it, and as text only.
    expect(run.stdout).toContain('Search results show <script>alert(1)</script> & then hang');
  });

  it('writes a self-contained HTML page with the Block Kit drawn and every text escaped', async () => {
    const file = htmlFile();
    expect(path.dirname(file)).toBe(outDir);
    expect(existsSync(file)).toBe(true);
    const html = await readFile(file, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).toMatch(/<button type="button" class="btn btn-primary"[^>]*>Claim<\/button>/);
    expect(html).toMatch(/<button type="button" class="btn btn-danger"[^>]*>Decline<\/button>/);
    expect(html).toContain('<div class="block block-section">');
    expect(html).toContain('<div class="block block-context">');
    expect(html).toContain('<strong>ACME-1</strong>');
    expect(html).toContain('<span class="mention">@Bob</span>');
    expect(html).toContain('Search results show &lt;script&gt;alert(1)&lt;/script&gt; &amp; then hang');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<(link|img|iframe)\b|\bsrc=/i);
  });
});

describe('the transcript modules (pure)', () => {
  const dir = { users: { U0BOB: 'Bob' }, channels: { C0ACME: 'acme-support' }, dmChannels: {}, appName: 'Ad-hoc Help' };

  it.each([
    ['*Approved by <@U0BOB>* in <#C0ACME>', '*Approved by @Bob* in #acme-support', '<strong>Approved by <span class="mention">@Bob</span></strong> in <span class="mention">#acme-support</span>'],
    ['<!date^1700000000^{date_short}|14 Nov 2023> &lt;b&gt;', '14 Nov 2023 <b>', '<span class="date">14 Nov 2023</span> &lt;b&gt;'],
    ['<https://example.com/?a=1&amp;b=2|docs> <javascript:alert(1)|x>', 'docs (https://example.com/?a=1&b=2) x (javascript:alert(1))', '<a href="https://example.com/?a=1&amp;b=2" rel="noopener noreferrer">docs</a> x (javascript:alert(1))'],
    ['_it_ ~del~ `a *b* <@U0BOB>`', '_it_ ~del~ `a *b* @Bob`', '<em>it</em> <del>del</del> <code>a *b* @Bob</code>'],
    ['done:\n>quoted &gt; text\nbye', 'done:\n│ quoted > text\nbye', 'done:<blockquote>quoted &gt; text</blockquote>bye'],
    ['\ue000 "x" \'y\'', '\ue000 "x" \'y\'', '\ufffd &quot;x&quot; &#39;y&#39;'],
  ])('%j reads as text and HTML', (mrkdwn, text, html) => {
    expect(mrkdwnToText(mrkdwn, dir)).toBe(text);
    expect(mrkdwnToHtml(mrkdwn, dir)).toBe(html);
  });

  it("shows a click's response_url that replaces the message as that message updated in place, any other click's as a reply only the clicker sees, and no command's (the stage shows it as the command's reply)", () => {
    const calls: CallRecord[] = [
      { method: 'chat.postMessage', args: { channel: 'C0ACME', text: 'ACME-1: printer' }, response: { ok: true, channel: 'C0ACME', ts: '100.000001' } },
      { method: 'response_url', path: '/response_url/actions/T0OURS/C0ACME/100.000001/1/ab12', args: { replace_original: true, text: 'ACME-1: claimed by <@U0BOB>' }, response: 'ok' },
      { method: 'response_url', path: '/response_url/actions/T0OURS/C0ACME/100.000001/2/cd34', args: { response_type: 'ephemeral', text: 'Here is your list' }, response: 'ok' },
      // A command's answer through its response URL is the command's own reply, which the stage shows.
      { method: 'response_url', path: '/response_url/commands/T0OURS/4/gh78', args: { response_type: 'ephemeral', replace_original: true, text: 'Opened ACME-2' }, response: 'ok' },
      // Refused (the message is gone): nobody saw it; the app falls back to chat.update.
      { method: 'response_url', path: '/response_url/actions/T0OURS/C0ACME/100.000009/3/ef56', args: { replace_original: true, text: 'never shown' }, response: 'message_not_found' },
    ];
    const notes: StoryNote[] = [
      { index: 1, kind: 'step', title: 'Claim' },
      { index: 1, kind: 'did', actor: 'U0BOB', what: 'clicks [ Claim ]' },
    ];
    const steps = buildTranscript(calls, notes, { triggers: {}, dmChannels: {} });
    const [update, reply] = steps[0]?.beats[0]?.groups.flatMap((g) => g.events) ?? [];
    expect(update).toMatchObject({ kind: 'update', place: { kind: 'channel', channel: 'C0ACME' }, ts: '100.000001' });
    expect(reply).toMatchObject({ kind: 'ephemeral', place: { kind: 'reply' } });
    expect(steps[0]?.beats[0]?.groups.flatMap((g) => g.events)).toHaveLength(2);
    const text = renderTranscriptText(steps, dir, { title: 'Demo', intro: [] });
    expect(text).toMatch(/▶ Bob clicks \[ Claim \]\n  #acme-support\n    updated in place: ACME-1: claimed by @Bob\n  Reply to the click\n    only the clicker sees: Here is your list/);
    expect(text).not.toContain('never shown');
    expect(eventToHtml(update!, dir)).toContain('updated in place');
  });

  it('draws buttons with their style and escapes their labels', () => {
    const blocks = [
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: '<b>Go</b>' }, action_id: 'go', value: 'v', style: 'danger' }] },
    ];
    expect(blocksToText(blocks, dir)).toEqual(['[ <b>Go</b> ]']);
    expect(blocksToHtml(blocks, dir)).toBe(
      '<div class="block block-actions"><button type="button" class="btn btn-danger" title="go" disabled>&lt;b&gt;Go&lt;/b&gt;</button></div>',
    );
  });
});
