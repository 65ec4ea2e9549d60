// Who is in the demo story, where it happens, and the seed that sets it up.
import type { Directory } from './slackMarkup';

/** Acme's own Slack organisation: Alice and Carol reach #acme-support through Slack Connect. */
export const ACME_ORG = 'T0ACMEORG';

export const ALICE = { id: 'U0ALICE', name: 'Alice', role: 'developer at Acme Ltd, the client', teamId: ACME_ORG } as const;
export const CAROL = { id: 'U0CAROL', name: 'Carol', role: "Acme's approver: she signs off on the cost", teamId: ACME_ORG } as const;
export const BOB = { id: 'U0BOB', name: 'Bob', role: 'one of our engineers', teamId: undefined } as const;
export const DAN = { id: 'U0DAN', name: 'Dan', role: 'another of our engineers', teamId: undefined } as const;
export const MARY = { id: 'U0MARY', name: 'Mary', role: 'our manager', teamId: undefined } as const;
export const CAST = [ALICE, CAROL, BOB, DAN, MARY] as const;

export const ACME_CHANNEL = { id: 'C0ACME', name: 'acme-support' } as const;
export const TRIAGE_CHANNEL = { id: 'C0TRIAGE', name: 'triage' } as const;

export const APP_NAME = 'Ad-hoc Help';
export const CLIENT_KEY = 'ACME';

/** The client's first-response target for a normal-priority request, in minutes (24x7). */
export const NORMAL_SLA_MINUTES = 240;

// 24x7 so that the SLA clock runs whenever the demo is run (business hours would pause it at night).
export const DEMO_SEED = `
managers: [${MARY.id}]
engineers: [${BOB.id}, ${DAN.id}]
clients:
  - key: ${CLIENT_KEY}
    name: Acme Ltd
    channels: [${ACME_CHANNEL.id}]
    hourlyRate: 95
    currency: GBP
    billingMode: on_completion
    incrementMinutes: 15
    minimumMinutes: 30
    approvers: [${CAROL.id}]
    timezone: Europe/London
    slaMinutes: { urgent: 15, high: 60, normal: ${NORMAL_SLA_MINUTES}, low: 480 }
    businessHours: 24x7
`;

export function demoDirectory(dmChannelOf: (userId: string) => string, botUserId: string): Directory {
  const users: Record<string, string> = { [botUserId]: APP_NAME };
  const dmChannels: Record<string, string> = {};
  for (const person of CAST) {
    users[person.id] = person.name;
    dmChannels[dmChannelOf(person.id)] = person.id;
  }
  return {
    users,
    channels: { [ACME_CHANNEL.id]: ACME_CHANNEL.name, [TRIAGE_CHANNEL.id]: TRIAGE_CHANNEL.name },
    dmChannels,
    appName: APP_NAME,
  };
}
