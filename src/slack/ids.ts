// Every callback_id, action_id and block_id the app registers, in one place so the manifest,
// the views and the listeners cannot drift apart.

export const SHORTCUT_CREATE_REQUEST = 'create_support_request';

export const VIEW_NEW_REQUEST = 'new_request';
export const VIEW_RESOLVE_REQUEST = 'resolve_request';
export const VIEW_CANCEL_REQUEST = 'cancel_request';
export const VIEW_REASSIGN_REQUEST = 'reassign_request';
export const VIEW_ESTIMATE = 'post_estimate';
export const VIEW_DECLINE_ESTIMATE = 'decline_estimate';
export const VIEW_ASK_QUESTION = 'ask_question';
export const VIEW_LOG_TIME = 'log_time';
export const VIEW_EDIT_TIME = 'edit_time';
export const VIEW_ASK_CLIENT = 'ask_client';
export const VIEW_MERGE_REQUEST = 'merge_request';

export const ACTION = {
  claim: 'request_claim',
  unclaim: 'request_unclaim',
  reassign: 'request_reassign',
  cancel: 'request_cancel',
  resolve: 'request_resolve',
  confirm: 'request_confirm',
  reopen: 'request_reopen',
  /** One action per star (request_rate_1 … request_rate_5): Slack wants action_ids unique in a block. */
  rate: 'request_rate',
  chooseClient: 'dm_choose_client',
  estimate: 'request_estimate',
  topUp: 'request_top_up',
  logTime: 'request_log_time',
  approveEstimate: 'estimate_approve',
  declineEstimate: 'estimate_decline',
  askQuestion: 'estimate_question',
  editTime: 'time_edit',
  deleteTime: 'time_delete',
  askClient: 'request_ask_client',
  merge: 'request_merge',
  acceptOffer: 'offer_accept',
  declineOffer: 'offer_decline',
  /** The engineer's Available / Away toggle on their Home tab. */
  availability: 'home_availability',
} as const;
export type ActionId = (typeof ACTION)[keyof typeof ACTION];
