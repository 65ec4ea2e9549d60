// Who may do what to a request. Decided on the server for every action from facts about the
// actor, never from which buttons were shown.
import type { RequestAction } from './lifecycle';

export interface ActorFacts {
  isManager: boolean;
  isEngineer: boolean;
  /**
   * Of the client's side: named in its settings, or, in its channel, from the client's own Slack
   * organisation or a guest of our workspace (services/directory.ts).
   */
  isClientMember: boolean;
  /** In the client's channel (or its requester) but one of our own full members, not staff. */
  isColleague: boolean;
  /** Whose side the person is on could not be asked of Slack just now. */
  sideUnknown?: boolean;
  /** Listed as an approver of the request's client, or a client member when the client lists none. */
  isApprover: boolean;
  isRequester: boolean;
  isAssignee: boolean;
}

export type Permission = RequestAction | 'open' | 'view' | 'comment' | 'logTime' | 'editTime';

type Rule = (a: ActorFacts) => boolean;

const staff: Rule = (a) => a.isManager || a.isEngineer;
/** The client's side: who may decide for the client. */
const client: Rule = (a) => a.isClientMember || a.isApprover;
/** Everyone in the client's channel: the client's side and our colleagues there, who read and comment. */
const present: Rule = (a) => client(a) || a.isColleague || a.isRequester;
/**
 * What only the client decides (the fix works, it does not, how we did): not our staff, even when
 * an engineer opened the request on the client's behalf and so is its requester; confirming
 * closes the request and makes it billable.
 */
const clientOnly: Rule = (a) => client(a) && !staff(a);

const RULES: Record<Permission, Rule> = {
  open: (a) => present(a) || staff(a),
  view: (a) => present(a) || staff(a),
  comment: (a) => present(a) || staff(a),
  claim: staff,
  unclaim: (a) => (a.isEngineer && a.isAssignee) || a.isManager,
  reassign: (a) => a.isManager,
  estimate: (a) => staff(a),
  approve: (a) => a.isApprover,
  decline: (a) => a.isApprover,
  startWork: staff,
  resolve: (a) => (a.isEngineer && a.isAssignee) || a.isManager,
  confirm: clientOnly,
  autoClose: () => false,
  reopen: clientOnly,
  // A colleague who asked on the client's behalf does not withdraw it for them; staff who did may.
  cancel: (a) => (a.isRequester && !a.isColleague) || a.isApprover || a.isManager,
  rate: clientOnly,
  merge: staff,
  logTime: staff,
  // Whose entry it is is checked by the time service; here only the role.
  editTime: staff,
};

/**
 * Who sees a client's money (its bill so far, its billing summary, corrections to issued months):
 * our managers, and the client's approvers (its people when it lists none). Not our other
 * colleagues, engineers included, and not the client's people who do not approve.
 */
export function seesClientMoney(actor: Pick<ActorFacts, 'isManager' | 'isApprover'>): boolean {
  return actor.isManager || actor.isApprover;
}

export function isAllowed(permission: Permission, actor: ActorFacts): boolean {
  return RULES[permission](actor);
}

const REFUSALS: Partial<Record<Permission, string>> = {
  claim: 'Only engineers can claim requests.',
  unclaim: 'Only the assigned engineer or a manager can unclaim this request.',
  reassign: 'Only managers can reassign requests.',
  estimate: 'Only engineers can post estimates.',
  approve: "Only the client's approvers can approve estimates.",
  decline: "Only the client's approvers can decline estimates.",
  resolve: 'Only the assigned engineer or a manager can resolve this request.',
  confirm: 'Only the client can confirm the fix.',
  reopen: 'Only the client can reopen this request.',
  cancel: 'Only the person who asked, an approver or a manager can cancel this request.',
  rate: 'Only the client can rate this request.',
  merge: 'Only engineers and managers can merge requests.',
  logTime: 'Only engineers can log time.',
  editTime: 'Only the engineer who logged this time, or a manager, can change it.',
};

/** What only the client's side decides, in the words a colleague is told. */
const CLIENT_DECISIONS: Partial<Record<Permission, string>> = {
  approve: 'approve estimates',
  decline: 'decline estimates',
  confirm: 'confirm the fix',
  reopen: 'reopen it',
  rate: 'rate it',
  cancel: 'cancel it',
};

/**
 * Why `permission` was refused. A colleague (one of our own full members in the client's channel)
 * is told that only the client's side decides, and how to be counted as the client's.
 */
export function refusalForRole(permission: Permission, actor?: Pick<ActorFacts, 'isColleague' | 'sideUnknown'>, clientKey?: string): string {
  const decision = CLIENT_DECISIONS[permission];
  if (decision && actor?.sideUnknown) return "I couldn't check with Slack whose side you are on just now. Please try again in a minute.";
  if (decision && actor?.isColleague) {
    const client = clientKey ?? 'the client';
    return (
      `You're a member of our own workspace, not of ${client}'s side, so you can read and comment here but not ${decision}: that is for ${client}'s people. ` +
      `If you act for ${client}, a manager can add you to its members with \`admin client ${clientKey ?? 'KEY'} members: [@you]\`.`
    );
  }
  return REFUSALS[permission] ?? 'You are not allowed to do that on this request.';
}

// Billing summaries (services/billingAccess.ts, services/billing.ts): who may see and issue them.

export const BILLING_REFUSAL =
  "Only managers, and a client's approvers in that client's own channel, can see its billing summary.";
export const ISSUE_REFUSAL = 'Only managers can issue billing summaries.';

export const colleagueBillingRefusal = (key: string) =>
  `${key}'s billing is for ${key}'s approvers and our managers. You're a member of our own workspace, not of ${key}'s side, so ask a manager.`;
