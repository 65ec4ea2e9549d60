// Who may do what to a request. Decided on the server for every action from facts about the
// actor, never from which buttons were shown.
import type { RequestAction } from './lifecycle';

export interface ActorFacts {
  isManager: boolean;
  isEngineer: boolean;
  /** Acting from a channel of the request's client (or known to be in one). */
  isClientMember: boolean;
  /** Listed as an approver of the request's client, or a member when the client lists none. */
  isApprover: boolean;
  isRequester: boolean;
  isAssignee: boolean;
}

export type Permission = RequestAction | 'open' | 'view' | 'comment' | 'logTime' | 'editTime';

type Rule = (a: ActorFacts) => boolean;

const staff: Rule = (a) => a.isManager || a.isEngineer;
const client: Rule = (a) => a.isClientMember || a.isApprover || a.isRequester;
/**
 * What only the client decides (the fix works, it does not, how we did): not our staff, even when
 * an engineer opened the request on the client's behalf and so is its requester; confirming
 * closes the request and makes it billable.
 */
const clientOnly: Rule = (a) => client(a) && !staff(a);

const RULES: Record<Permission, Rule> = {
  open: (a) => client(a) || staff(a),
  view: (a) => client(a) || staff(a),
  comment: (a) => client(a) || staff(a),
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
  cancel: (a) => a.isRequester || a.isApprover || a.isManager,
  rate: clientOnly,
  logTime: staff,
  // Whose entry it is is checked by the time service; here only the role.
  editTime: staff,
};

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
  logTime: 'Only engineers can log time.',
  editTime: 'Only the engineer who logged this time, or a manager, can change it.',
};

export function refusalForRole(permission: Permission): string {
  return REFUSALS[permission] ?? 'You are not allowed to do that on this request.';
}
