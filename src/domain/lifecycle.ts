// The request lifecycle: every state, every action and which states each action may start from.
// Services apply these rules through services/requestLifecycle.ts; nothing else changes a state.

export const REQUEST_STATES = [
  'open',
  'claimed',
  'awaiting_approval',
  'approved',
  'declined',
  'in_progress',
  'resolved',
  'closed',
  'cancelled',
  /** A duplicate, merged into another request of the same client (`mergedInto`). */
  'merged',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export const CATEGORIES = ['advice', 'maintenance', 'project', 'incident'] as const;
export type Category = (typeof CATEGORIES)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const SOURCES = ['command', 'modal', 'shortcut', 'mention', 'reaction', 'dm'] as const;
export type RequestSource = (typeof SOURCES)[number];

interface TransitionRule {
  from: readonly RequestState[];
  /** `undefined` keeps the state (the action changes other fields, e.g. the assignee). */
  to: RequestState | undefined;
  /**
   * Who starts it: our staff (from the request's triage message), the client (from their message
   * or the estimate's), or the app itself (a timer, logging time). The messages' buttons follow this.
   */
  by: 'staff' | 'client' | 'system';
}

const WORKABLE: readonly RequestState[] = ['claimed', 'awaiting_approval', 'approved', 'declined', 'in_progress'];

export const TRANSITIONS = {
  claim: { from: ['open'], to: 'claimed', by: 'staff' },
  unclaim: { from: ['claimed', 'declined'], to: 'open', by: 'staff' },
  reassign: { from: WORKABLE, to: undefined, by: 'staff' },
  estimate: { from: WORKABLE, to: 'awaiting_approval', by: 'staff' },
  approve: { from: ['awaiting_approval'], to: 'approved', by: 'client' },
  decline: { from: ['awaiting_approval'], to: 'declined', by: 'client' },
  startWork: { from: ['approved'], to: 'in_progress', by: 'system' },
  resolve: { from: ['claimed', 'approved', 'declined', 'in_progress'], to: 'resolved', by: 'staff' },
  confirm: { from: ['resolved'], to: 'closed', by: 'client' },
  autoClose: { from: ['resolved'], to: 'closed', by: 'system' },
  reopen: { from: ['resolved'], to: 'in_progress', by: 'client' },
  cancel: { from: ['open', 'claimed', 'awaiting_approval', 'declined'], to: 'cancelled', by: 'client' },
  rate: { from: ['closed'], to: undefined, by: 'client' },
  merge: { from: ['open', 'claimed', 'awaiting_approval', 'approved', 'declined', 'in_progress'], to: 'merged', by: 'staff' },
} as const satisfies Record<string, TransitionRule>;

export type RequestAction = keyof typeof TRANSITIONS;

/** The actions our staff start, each a button on the request's triage message. */
export type StaffAction = { [A in RequestAction]: (typeof TRANSITIONS)[A]['by'] extends 'staff' ? A : never }[RequestAction];

export const STAFF_ACTIONS = (Object.keys(TRANSITIONS) as RequestAction[]).filter((a): a is StaffAction => TRANSITIONS[a].by === 'staff');

/** The staff actions the lifecycle allows from `state`. */
export function staffActionsFrom(state: RequestState): StaffAction[] {
  return STAFF_ACTIONS.filter((a) => canTransition(state, a));
}

export function canTransition(state: RequestState, action: RequestAction): boolean {
  return (TRANSITIONS[action].from as readonly RequestState[]).includes(state);
}

export function nextState(state: RequestState, action: RequestAction): RequestState {
  return TRANSITIONS[action].to ?? state;
}

/** States after which nothing more happens to a request. */
export const FINISHED_STATES: readonly RequestState[] = ['closed', 'cancelled', 'merged'];

export const OPEN_STATES: readonly RequestState[] = REQUEST_STATES.filter((s) => !FINISHED_STATES.includes(s));

export function isFinished(state: RequestState): boolean {
  return FINISHED_STATES.includes(state);
}

/** States a request may be merged into: any it can still be worked or reopened from. */
export const MERGE_TARGET_STATES: readonly RequestState[] = OPEN_STATES;

/**
 * A merge holds both requests (services/merge.ts) for the moment it takes to write it. A hold
 * older than this is a crashed merge's leftover: it no longer blocks anything and may be taken.
 */
export const MERGE_HOLD_MS = 30_000;

const STATE_LABELS: Record<RequestState, string> = {
  open: 'Open',
  claimed: 'Claimed',
  awaiting_approval: 'Awaiting approval',
  approved: 'Approved',
  declined: 'Estimate declined',
  in_progress: 'In progress',
  resolved: 'Resolved',
  closed: 'Closed',
  cancelled: 'Cancelled',
  merged: 'Merged',
};

export function stateLabel(state: RequestState): string {
  return STATE_LABELS[state];
}

/** Why an action is refused in a state, in words for the person who clicked. */
export function refusalForState(state: RequestState, action: RequestAction): string {
  const verb: Record<RequestAction, string> = {
    claim: 'claimed',
    unclaim: 'unclaimed',
    reassign: 'reassigned',
    estimate: 'estimated',
    approve: 'approved',
    decline: 'declined',
    startWork: 'worked on',
    resolve: 'resolved',
    confirm: 'confirmed',
    autoClose: 'closed',
    reopen: 'reopened',
    cancel: 'cancelled',
    rate: 'rated',
    merge: 'merged',
  };
  return `This request is ${stateLabel(state).toLowerCase()}, so it cannot be ${verb[action]} now.`;
}
