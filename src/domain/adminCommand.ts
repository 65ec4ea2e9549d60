// Parses `/help admin …` into what a manager asked for, and merges client settings given in a
// command over the client's current ones. Pure: no I/O.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { clientSettingsSchema, describeIssues, onCallSchema, workingHoursSchema, type ClientFields, type ClientSettings } from './clientSettings';
import type { Rota } from './onCall';
import type { WorkingHours } from './roundRobin';
import { minorUnitDigits } from './money';
import { CLIENT_KEY_PATTERN } from './requestKey';
import { channelIdFromSlack, userIdFromSlack } from './slackText';

export type AdminRole = 'engineer' | 'manager';

export type AdminCommand =
  | { kind: 'show' }
  | { kind: 'client'; key: string; fields: Record<string, unknown> }
  | { kind: 'channel'; action: 'link' | 'unlink'; key: string; channelId: string }
  | { kind: 'staff'; role: AdminRole; action: 'add' | 'remove'; userId: string }
  /** An engineer's working hours for round robin; undefined: any time. */
  | { kind: 'hours'; userId: string; hours: WorkingHours | undefined }
  | { kind: 'oncall'; rota: Rota }
  /** Failed Slack deliveries are tried again (retry) or given up (dismiss): all of them, or those of one channel. */
  | { kind: 'retry' | 'dismiss'; channelId?: string }
  /** `problem` says what was wrong; absent when the manager just typed `admin`. */
  | { kind: 'usage'; problem?: string };

const usage = (problem?: string): AdminCommand => (problem === undefined ? { kind: 'usage' } : { kind: 'usage', problem });

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/**
 * Slack's escaped text made ready for YAML: `<#C123|acme>` → `C123`, `<@U123|jane>` → `U123`, and
 * the entities Slack always escapes (&amp; &lt; &gt;) decoded, so values read as they were typed.
 */
export function idsFromSlackText(text: string): string {
  return text
    .replace(/<#([CG][A-Z0-9]{2,})(?:\|[^>]*)?>/g, '$1')
    .replace(/<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>/g, '$1')
    .replace(/&(amp|lt|gt);/g, (entity) => ENTITIES[entity] ?? entity);
}

// Words, keeping a Slack entity such as <@U1|jane doe> in one piece.
const words = (text: string) => text.match(/<[^>]*>|[^\s<]+/g) ?? [];

function clientKey(word: string | undefined): string | undefined {
  const key = word?.toUpperCase();
  return key !== undefined && CLIENT_KEY_PATTERN.test(key) ? key : undefined;
}

const fieldsSchema = z.record(z.string(), z.unknown());

/** `text` is everything after `admin`, as Slack delivered it (mentions escaped). */
export function parseAdminCommand(text: string): AdminCommand {
  const trimmed = text.trim();
  const [verb, ...rest] = words(trimmed);
  switch (verb?.toLowerCase()) {
    case undefined:
      return usage();
    case 'show':
      return rest.length === 0 ? { kind: 'show' } : usage('`show` takes nothing after it.');
    case 'client':
      return parseClient(trimmed.slice(verb.length).trim());
    case 'oncall':
      return parseOnCall(trimmed.slice(verb.length).trim());
    case 'retry':
    case 'dismiss': {
      const kind = verb.toLowerCase() as 'retry' | 'dismiss';
      const [where, ...extra] = rest;
      const wrong = usage(`Use \`${kind}\` or \`${kind} #channel\`.`);
      if (where === undefined || where.toLowerCase() === 'all') return extra.length === 0 ? { kind } : wrong;
      const channelId = channelIdFromSlack(where);
      return channelId && extra.length === 0 ? { kind, channelId } : wrong;
    }
    case 'channel': {
      const [action, keyWord, channelWord, ...extra] = rest;
      const act = action?.toLowerCase();
      if (act !== 'link' && act !== 'unlink') return usage('Use `channel link KEY #channel` or `channel unlink KEY #channel`.');
      const key = clientKey(keyWord);
      if (!key) return usage('Give the client key (2–10 letters, such as ACME) after `channel link`/`channel unlink`.');
      const channelId = channelWord === undefined ? undefined : channelIdFromSlack(channelWord);
      if (!channelId || extra.length > 0) return usage('Give exactly one channel, such as #acme-support, after the client key.');
      return { kind: 'channel', action: act, key, channelId };
    }
    case 'engineer':
    case 'manager': {
      const role: AdminRole = verb.toLowerCase() === 'engineer' ? 'engineer' : 'manager';
      const [action, userWord, ...extra] = rest;
      const act = action?.toLowerCase();
      if (role === 'engineer' && act === 'hours') return parseHours(userWord, trimmed.slice(trimmed.indexOf(userWord ?? '\u0000') + (userWord?.length ?? 0)).trim());
      if (act !== 'add' && act !== 'remove') return usage(`Use \`${role} add @person\` or \`${role} remove @person\`.`);
      const userId = userWord === undefined ? undefined : userIdFromSlack(userWord);
      if (!userId || extra.length > 0) return usage(`Mention exactly one person, such as @jane, after \`${role} ${act}\`.`);
      return { kind: 'staff', role, action: act, userId };
    }
    default:
      return usage(`\`${verb}\` is not an admin command.`);
  }
}

const HOURS_USAGE = 'Use `engineer hours @person timezone: Europe/Berlin, days: [1, 2, 3, 4, 5], start: "08:00", end: "16:00"` (or `any`).';

/** `field: value, …` as typed after an admin verb, checked by `schema`; the usage, with what was wrong, otherwise. */
function fieldsAs<T extends z.ZodType>(body: string, schema: T, usageText: string): { ok: z.output<T> } | { usage: AdminCommand } {
  let raw: unknown;
  try {
    raw = parseYaml(`{${idsFromSlackText(body)}}`, { logLevel: 'error' });
  } catch {
    return { usage: usage(usageText) };
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? { ok: parsed.data } : { usage: usage(`${describeIssues(parsed.error.issues).join('; ')}. ${usageText}`) };
}

function parseHours(userWord: string | undefined, body: string): AdminCommand {
  const userId = userWord === undefined ? undefined : userIdFromSlack(userWord);
  if (!userId || body === '') return usage(HOURS_USAGE);
  if (body.toLowerCase() === 'any') return { kind: 'hours', userId, hours: undefined };
  const hours = fieldsAs(body, workingHoursSchema, HOURS_USAGE);
  if ('usage' in hours) return hours.usage;
  return { kind: 'hours', userId, hours: { ...hours.ok, days: [...hours.ok.days].sort() } };
}

const ONCALL_USAGE = 'Use `oncall rota: [@ann, @bob], startsOn: 2026-11-30, timezone: Europe/London` (one engineer a week, in that order).';

function parseOnCall(body: string): AdminCommand {
  if (body === '') return usage(ONCALL_USAGE);
  const parsed = fieldsAs(body, onCallSchema, ONCALL_USAGE);
  if ('usage' in parsed) return parsed.usage;
  return { kind: 'oncall', rota: { engineers: parsed.ok.rota, startsOn: parsed.ok.startsOn, timezone: parsed.ok.timezone } };
}

function parseClient(afterVerb: string): AdminCommand {
  const [keyWord] = words(afterVerb);
  const key = clientKey(keyWord);
  if (keyWord === undefined || !key) return usage('Give the client key (2–10 letters, such as ACME) after `client`.');
  const body = afterVerb.slice(keyWord.length).trim();
  if (body === '') return usage('Give the fields to set after the key, such as `name: Acme Ltd, hourlyRate: 95`.');
  let raw: unknown;
  try {
    // logLevel error: yaml would otherwise print a warning quoting what the user typed to stderr.
    raw = parseYaml(`{${idsFromSlackText(body)}}`, { logLevel: 'error' });
  } catch (error) {
    // The position would point into the text we wrapped in braces, so leave it out.
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '') : '';
    return usage(`The fields could not be read (${reason}). Write them as \`field: value, field: value\`.`);
  }
  const fields = fieldsSchema.safeParse(raw);
  if (!fields.success) return usage('Write the fields as `field: value, field: value`.');
  if ('key' in fields.data) return usage('Write the key once, right after `client`; a client cannot be renamed to another key.');
  return { kind: 'client', key, fields: fields.data };
}

/** An amount of minor units as the decimal text a person writes: 12050 GBP → "120.50". */
export function decimalFromMinor(minor: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  if (digits === 0) return String(minor);
  const text = String(minor).padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** A stored client in the shape of the seed file, so given fields can be merged over it. */
export function settingsFromClient(client: ClientFields): Record<string, unknown> {
  const hours = client.businessHours;
  return {
    key: client.key,
    name: client.name,
    channels: [...client.channels],
    hourlyRate: decimalFromMinor(client.hourlyRateMinor, client.currency),
    currency: client.currency,
    billingMode: client.billingMode,
    incrementMinutes: client.incrementMinutes,
    minimumMinutes: client.minimumMinutes,
    approvers: [...client.approvers],
    members: [...client.members],
    repositories: [...client.repositories],
    timezone: client.timezone,
    autoApproveMinutes: client.autoApproveMinutes,
    waitingOnClientDays: client.waitingOnClientDays,
    assignment: client.assignment,
    maxOpenPerEngineer: client.maxOpenPerEngineer,
    monthlyBudgetHours: client.monthlyBudgetMinutes === undefined ? null : client.monthlyBudgetMinutes / 60,
    slaMinutes: { ...client.slaMinutes },
    businessHours: hours.alwaysOpen ? '24x7' : { days: [...hours.days], start: hours.start, end: hours.end },
    ...(client.accounting ? { accounting: { ...client.accounting } } : {}),
  };
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const REQUIRED_FOR_NEW = ['name', 'hourlyRate'] as const;

// The defaults of the nested maps, so that a new client given `slaMinutes: {urgent: 10}` keeps
// the other priorities' defaults exactly as an existing client keeps its current ones.
const NESTED_DEFAULTS = (() => {
  const { slaMinutes, businessHours } = clientSettingsSchema.parse({ key: 'XX', name: 'x', hourlyRate: 0 });
  return { slaMinutes, businessHours };
})();

/** Zod reports unknown fields in one issue; give each its own line naming the field. */
function issuesPerField(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue): z.core.$ZodIssue[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((name) => ({ ...issue, path: [...issue.path, name], message: 'is not a setting we know' }))
      : [issue],
  );
}

export type MergedSettings = { ok: true; settings: ClientSettings } | { ok: false; problems: string[] };

/**
 * The given fields over the client's current settings (a nested map such as slaMinutes merges
 * field by field), validated as a whole exactly like the seed file. A new client needs at least
 * a name and an hourly rate.
 */
export function mergeClientSettings(key: string, current: ClientFields | undefined, given: Record<string, unknown>): MergedSettings {
  const base = current ? settingsFromClient(current) : { key, ...NESTED_DEFAULTS };
  const merged: Record<string, unknown> = { ...base };
  for (const [field, value] of Object.entries(given)) {
    const old = merged[field];
    merged[field] = isMap(old) && isMap(value) ? { ...old, ...value } : value;
  }
  merged.key = key;
  const missing = current ? [] : REQUIRED_FOR_NEW.filter((field) => merged[field] == null);
  const parsed = clientSettingsSchema.safeParse(merged);
  if (parsed.success && missing.length === 0) return { ok: true, settings: parsed.data };
  const issues = parsed.success ? [] : parsed.error.issues.filter((issue) => !missing.some((field) => issue.path[0] === field));
  return {
    ok: false,
    problems: [...missing.map((field) => `${field}: is needed for a new client`), ...describeIssues(issuesPerField(issues))],
  };
}
