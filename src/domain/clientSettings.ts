// The settings of a client as people write them (seed file, `/help admin`), validated with zod
// and turned into the stored shape (money in minor units, durations in minutes).
import { z } from 'zod';
import { PRIORITIES } from './lifecycle';
import { CLIENT_KEY_PATTERN } from './requestKey';
import { toMinorUnits } from './money';
import { DEFAULT_WAITING_ON_CLIENT_DAYS } from './timers';
import { DEFAULT_MAX_OPEN_PER_ENGINEER } from './roundRobin';

export const userIdSchema = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user ID such as U0123ABCD');
export const channelIdSchema = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'must be a Slack channel ID such as C0123ABCD');

/**
 * A GitHub repository as `owner/name` (GitHub's own rules: an owner of letters, digits and
 * hyphens; a name of letters, digits, `-`, `_` and `.`). GitHub names are case-insensitive, so it
 * is kept in lower case.
 */
export const repositorySchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9_.-]{1,100}$/, 'must be a GitHub repository written owner/name, such as acme/shop')
  .refine((name) => !/\/\.{1,2}$/.test(name), 'must be a GitHub repository written owner/name, such as acme/shop')
  .transform((name) => name.toLowerCase());

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time such as 09:00');

export function isTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const timezoneSchema = z.string().refine(isTimezone, 'must be an IANA timezone such as Europe/London');
const timezone = timezoneSchema;

/**
 * Hours as whole minutes, or undefined when they are not whole minutes. 4.1 h × 60 is
 * 245.99999999999997 in floating point, so the product is compared within a rounding error
 * rather than tested with Number.isInteger (which refused 4.1, 2.05 and 8.2).
 */
export function hoursToMinutes(hours: number): number | undefined {
  const minutes = hours * 60;
  const whole = Math.round(minutes);
  return Math.abs(minutes - whole) < 1e-6 ? whole : undefined;
}

const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be a three-letter currency code such as GBP')
  .refine((code) => Intl.supportedValuesOf('currency').includes(code), 'is not a currency code we know');

const minutes = (max: number) => z.number().int('must be a whole number of minutes').min(0).max(max);

/** Working days and daily hours: a client's business hours, an engineer's working hours. */
const weeklyHours = {
  days: z
    .array(z.number().int().min(1).max(7))
    .min(1, 'needs at least one working day (1 = Monday … 7 = Sunday)')
    .refine((days) => new Set(days).size === days.length, 'lists a day twice'),
  start: clockTime,
  end: clockTime,
};
const endAfterStart = (h: { start: string; end: string }) => h.start < h.end;
const END_AFTER_START = { message: 'end must be after start', path: ['end'] };

export const businessHoursSchema = z.union([z.literal('24x7'), z.object(weeklyHours).strict().refine(endAfterStart, END_AFTER_START)]);

/** An engineer's working hours, for round robin: `{timezone: Europe/Berlin, days: [1, 2, 3, 4, 5], start: "08:00", end: "16:00"}`. */
export const workingHoursSchema = z
  .object({ timezone: timezoneSchema, ...weeklyHours })
  .strict()
  .refine(endAfterStart, END_AFTER_START);

/** The on-call rota: `{rota: [U…, U…], startsOn: 2026-11-30, timezone: Europe/London}`. */
export const onCallSchema = z
  .object({
    rota: z.array(userIdSchema).min(1, 'needs at least one engineer'),
    startsOn: z
      .union([z.string(), z.date()])
      .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
      .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-11-30').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'is not a real date')),
    timezone: timezoneSchema.default('Europe/London'),
  })
  .strict();

const slaMinutesSchema = z
  .object(Object.fromEntries(PRIORITIES.map((p) => [p, minutes(60 * 24 * 30).min(1)])) as Record<
    (typeof PRIORITIES)[number],
    z.ZodNumber
  >)
  .strict();

export const DEFAULT_SLA_MINUTES = { urgent: 15, high: 60, normal: 240, low: 480 } as const;

/** An accounting name or code as Xero and QuickBooks take it: one line of text. */
const accountingText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty (leave it out for the default)')
    .max(max, `must be at most ${max} characters`)
    .refine((text) => !/[\r\n]/.test(text), 'must be on one line');

/**
 * How the client's invoices are exported to Xero and QuickBooks Online (domain/invoiceExport.ts).
 * Every field is optional; a field left out (or set to null) takes the default the export applies
 * (ACCOUNTING_DEFAULTS there), so only what differs is stored.
 */
export const accountingSchema = z
  .object({
    /** The contact (Xero) or customer (QuickBooks) as it is named there; default: the client's name. */
    contactName: accountingText(255).nullish(),
    /** Xero's revenue account code; default 200 (Xero's Sales). */
    accountCode: accountingText(10).nullish(),
    /** Xero's tax rate, by its display name; default "No VAT", so the invoice total is the summary's. */
    taxType: accountingText(50).nullish(),
    /** QuickBooks' product/service for every line; default "Support". */
    itemName: accountingText(100).nullish(),
    /** Days from the invoice date to its due date; default 14. */
    paymentTermsDays: z.number({ error: 'must be a number of days, such as 14' }).int('must be a whole number of days').min(0, 'must be 0 or more days').max(365, 'must be at most 365 days').nullish(),
  }, { error: 'must be a map such as {accountCode: "200", paymentTermsDays: 30}' })
  .strict()
  .transform((given) => {
    const kept: AccountingSettings = {};
    if (given.contactName != null) kept.contactName = given.contactName;
    if (given.accountCode != null) kept.accountCode = given.accountCode;
    if (given.taxType != null) kept.taxType = given.taxType;
    if (given.itemName != null) kept.itemName = given.itemName;
    if (given.paymentTermsDays != null) kept.paymentTermsDays = given.paymentTermsDays;
    return kept;
  });

/** The accounting settings given for a client; the export fills in the defaults of what is missing. */
export interface AccountingSettings {
  contactName?: string;
  accountCode?: string;
  taxType?: string;
  itemName?: string;
  paymentTermsDays?: number;
}

export const clientSettingsSchema = z
  .object({
    key: z.string().regex(CLIENT_KEY_PATTERN, 'must be 2–10 capital letters, such as ACME'),
    name: z.string().trim().min(1, 'must not be empty').max(80, 'must be at most 80 characters'),
    channels: z.array(channelIdSchema).default([]),
    hourlyRate: z.union([z.number().nonnegative(), z.string()]),
    currency: currency.default('GBP'),
    billingMode: z.enum(['upfront', 'on_completion']).default('on_completion'),
    incrementMinutes: minutes(480).min(1).default(15),
    minimumMinutes: minutes(480).default(30),
    approvers: z.array(userIdSchema).nullish().transform((v) => v ?? []),
    members: z.array(userIdSchema).nullish().transform((v) => v ?? []),
    /** GitHub repositories whose webhook events may change this client's requests (linked work). */
    repositories: z
      .array(repositorySchema, { error: 'must be a list of GitHub repositories, such as [acme/shop, acme/api]' })
      .nullish()
      .transform((v) => v ?? []),
    timezone: timezone.default('Europe/London'),
    autoApproveMinutes: minutes(60 * 24).default(0),
    assignment: z.enum(['manual', 'round_robin']).default('manual'),
    maxOpenPerEngineer: z.number().int('must be a whole number of requests').min(1).max(100).default(DEFAULT_MAX_OPEN_PER_ENGINEER),
    waitingOnClientDays: z.number().int('must be a whole number of business days').min(1).max(60).default(DEFAULT_WAITING_ON_CLIENT_DAYS),
    monthlyBudgetHours: z.number().positive().max(10000).nullish(),
    slaMinutes: slaMinutesSchema.default({ ...DEFAULT_SLA_MINUTES }),
    businessHours: businessHoursSchema.default({ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' }),
    /** Invoice exports to Xero and QuickBooks (optional; see accountingSchema). */
    accounting: accountingSchema.nullish(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (toMinorUnits(c.hourlyRate, c.currency) === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['hourlyRate'],
        message: `must be an amount in ${c.currency} such as 95 or 92.50`,
      });
    }
    if (c.monthlyBudgetHours != null && hoursToMinutes(c.monthlyBudgetHours) === undefined) {
      ctx.addIssue({ code: 'custom', path: ['monthlyBudgetHours'], message: 'must be a whole number of minutes' });
    }
    if (new Set(c.channels).size !== c.channels.length) {
      ctx.addIssue({ code: 'custom', path: ['channels'], message: 'lists a channel twice' });
    }
    if (new Set(c.repositories).size !== c.repositories.length) {
      ctx.addIssue({ code: 'custom', path: ['repositories'], message: 'lists a repository twice (names are case-insensitive)' });
    }
  });

export type ClientSettingsInput = z.input<typeof clientSettingsSchema>;
export type ClientSettings = z.output<typeof clientSettingsSchema>;

/** The stored shape of a client (see db/client.ts). */
export interface ClientFields {
  key: string;
  name: string;
  channels: string[];
  hourlyRateMinor: number;
  currency: string;
  billingMode: 'upfront' | 'on_completion';
  incrementMinutes: number;
  minimumMinutes: number;
  approvers: string[];
  members: string[];
  /** GitHub repositories (`owner/name`, lower case) whose events are followed for this client. */
  repositories: string[];
  timezone: string;
  autoApproveMinutes: number;
  waitingOnClientDays: number;
  assignment: 'manual' | 'round_robin';
  maxOpenPerEngineer: number;
  monthlyBudgetMinutes: number | undefined;
  slaMinutes: Record<(typeof PRIORITIES)[number], number>;
  businessHours: { alwaysOpen: boolean; days: number[]; start: string; end: string };
  /** Undefined when none is given (nothing stored): the export's defaults apply. */
  accounting: AccountingSettings | undefined;
}

export function toClientFields(settings: ClientSettings): ClientFields {
  const hours = settings.businessHours;
  return {
    key: settings.key,
    name: settings.name,
    channels: settings.channels,
    hourlyRateMinor: toMinorUnits(settings.hourlyRate, settings.currency) ?? 0,
    currency: settings.currency,
    billingMode: settings.billingMode,
    incrementMinutes: settings.incrementMinutes,
    minimumMinutes: settings.minimumMinutes,
    approvers: settings.approvers,
    members: settings.members,
    repositories: settings.repositories,
    timezone: settings.timezone,
    autoApproveMinutes: settings.autoApproveMinutes,
    waitingOnClientDays: settings.waitingOnClientDays,
    assignment: settings.assignment,
    maxOpenPerEngineer: settings.maxOpenPerEngineer,
    monthlyBudgetMinutes: settings.monthlyBudgetHours == null ? undefined : hoursToMinutes(settings.monthlyBudgetHours),
    slaMinutes: { ...settings.slaMinutes },
    businessHours:
      hours === '24x7'
        ? { alwaysOpen: true, days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' }
        : { alwaysOpen: false, days: [...hours.days].sort(), start: hours.start, end: hours.end },
    accounting: settings.accounting && Object.keys(settings.accounting).length > 0 ? { ...settings.accounting } : undefined,
  };
}

/** One line per problem, each naming the path of the bad field, e.g. `clients[0].hourlyRate: …`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string[] {
  return issues.map((issue) => {
    const path = issue.path
      .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
      .join('');
    const where = prefix + path;
    return where ? `${where}: ${issue.message}` : issue.message;
  });
}
