// The seed file: staff and clients in YAML, validated as a whole before anything is written.
import { parse } from 'yaml';
import { z } from 'zod';
import { ClientModel } from '../db/client';
import type { StaffRole } from '../db/staff';
import { clientSettingsSchema, describeIssues, onCallSchema, toClientFields, userIdSchema, workingHoursSchema } from '../domain/clientSettings';
import { setRota } from './onCall';
import { setWorkingHours } from './assignment';
import { channelsOwnedElsewhere, currencyChangeRefusal, setStaffRoles, upsertClient, type UpsertOutcome } from './clients';

const seedSchema = z
  .object({
    managers: z.array(userIdSchema).nullish().transform((v) => v ?? []),
    engineers: z.array(userIdSchema).nullish().transform((v) => v ?? []),
    clients: z.array(clientSettingsSchema).nullish().transform((v) => v ?? []),
    /** Engineers' working hours for round robin, by user ID (optional; absent: any time). */
    staffHours: z.record(userIdSchema, workingHoursSchema).nullish().transform((v) => v ?? {}),
    /** The on-call rota (optional): urgent requests out of hours go to whoever is on call. */
    onCall: onCallSchema.nullish(),
  })
  .strict()
  .superRefine((seed, ctx) => {
    seed.onCall?.rota.forEach((userId, i) => {
      if (!seed.engineers.includes(userId)) ctx.addIssue({ code: 'custom', path: ['onCall', 'rota', i], message: 'is not one of the engineers in this file' });
    });
    for (const userId of Object.keys(seed.staffHours)) {
      if (!seed.engineers.includes(userId)) ctx.addIssue({ code: 'custom', path: ['staffHours', userId], message: 'is not one of the engineers in this file' });
    }
    const seenKeys = new Map<string, number>();
    const seenChannels = new Map<string, number>();
    seed.clients.forEach((client, i) => {
      const firstKey = seenKeys.get(client.key);
      if (firstKey !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['clients', i, 'key'], message: `repeats the key of clients[${firstKey}]` });
      } else seenKeys.set(client.key, i);
      client.channels.forEach((channel, j) => {
        const owner = seenChannels.get(channel);
        if (owner !== undefined && owner !== i) {
          ctx.addIssue({ code: 'custom', path: ['clients', i, 'channels', j], message: `${channel} also belongs to clients[${owner}]` });
        } else seenChannels.set(channel, i);
      });
    });
  });

export class SeedError extends Error {
  constructor(readonly problems: string[]) {
    super(`The seed file was rejected; nothing was written:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SeedError';
  }
}

export interface SeedReport {
  staff: Record<UpsertOutcome, number>;
  clients: Record<UpsertOutcome, number>;
}

export function parseSeed(yamlText: string) {
  let raw: unknown;
  try {
    raw = parse(yamlText, { logLevel: 'error' }); // no warnings quoting the file's text on stderr
  } catch (error) {
    throw new SeedError([`not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`]);
  }
  const parsed = seedSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new SeedError(describeIssues(parsed.error.issues));
  return parsed.data;
}

/** Validates the whole file, then upserts; running it twice changes nothing the second time. */
export async function applySeed(yamlText: string, actorId = 'seed'): Promise<SeedReport> {
  const seed = parseSeed(yamlText);
  const clients = seed.clients.map(toClientFields);
  const conflicts = (await Promise.all(clients.map((c) => channelsOwnedElsewhere(c.key, c.channels)))).flatMap((found, i) =>
    found.map(({ channel, owner }) => `clients[${i}].channels: ${channel} already belongs to client ${owner}`),
  );
  const stored = new Map((await ClientModel.find({ key: { $in: clients.map((c) => c.key) } }, { key: 1, currency: 1 }).lean()).map((c) => [c.key, c.currency]));
  const currencies = (await Promise.all(clients.map((c) => currencyChangeRefusal(c.key, stored.get(c.key), c.currency)))).flatMap((refusal, i) =>
    refusal ? [`clients[${i}].currency: ${refusal}`] : [],
  );
  if (conflicts.length + currencies.length > 0) throw new SeedError([...conflicts, ...currencies]);

  const report: SeedReport = {
    staff: { created: 0, updated: 0, unchanged: 0 },
    clients: { created: 0, updated: 0, unchanged: 0 },
  };
  const roles = new Map<string, StaffRole[]>();
  for (const id of seed.managers) roles.set(id, [...(roles.get(id) ?? []), 'manager']);
  for (const id of seed.engineers) roles.set(id, [...(roles.get(id) ?? []), 'engineer']);
  for (const [userId, userRoles] of roles) report.staff[await setStaffRoles(userId, userRoles, actorId)]++;
  for (const [userId, hours] of Object.entries(seed.staffHours)) {
    if ((await setWorkingHours(userId, { ...hours, days: [...hours.days].sort() }, actorId)) === 'updated' && report.staff.unchanged > 0) {
      report.staff.unchanged--;
      report.staff.updated++;
    }
  }
  for (const client of clients) report.clients[await upsertClient(client, actorId)]++;
  if (seed.onCall) await setRota({ engineers: seed.onCall.rota, startsOn: seed.onCall.startsOn, timezone: seed.onCall.timezone }, actorId);
  return report;
}
