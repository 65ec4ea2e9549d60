// The modals: new request, resolve, cancel, reassign, merge, estimate or top-up, log or edit time,
// decline an estimate, and a question (about an estimate, or to the client). Pure functions from
// data to views; the limits on what is typed are the domain's (domain/requestText.ts), the same the
// service checks.
import type { ModalView, PlainTextOption } from '@slack/types';
import { CATEGORIES, PRIORITIES } from '../../domain/lifecycle';
import { cutText } from '../../domain/text';
import { DETAILS_MAX, TITLE_MAX } from '../../domain/requestText';
import {
  VIEW_ASK_QUESTION,
  VIEW_CANCEL_REQUEST,
  VIEW_DECLINE_ESTIMATE,
  VIEW_ESTIMATE,
  VIEW_LOG_TIME,
  VIEW_MERGE_REQUEST,
  VIEW_NEW_REQUEST,
  VIEW_REASSIGN_REQUEST,
  VIEW_RESOLVE_REQUEST,
} from '../ids';
import { escapeAndTruncate } from '../mrkdwn';
import { section, type KnownBlock } from './blocks';

const CATEGORY_LABELS: Record<(typeof CATEGORIES)[number], string> = {
  advice: 'Advice — ideas, roadmaps, sanity checks',
  maintenance: 'Maintenance — updates, fixes, upgrades',
  project: 'Project — a pair of hands on part of a project',
  incident: 'Incident — something is broken now',
};

const PRIORITY_LABELS: Record<(typeof PRIORITIES)[number], string> = {
  low: 'Low',
  normal: 'Normal',
  high: 'High',
  urgent: 'Urgent',
};

function option(value: string, text: string): PlainTextOption {
  return { text: { type: 'plain_text', text }, value };
}

function plain(text: string) {
  return { type: 'plain_text' as const, text };
}

export interface NewRequestPrefill {
  title?: string;
  details?: string;
}

export function newRequestModal(metadata: string, prefill: NewRequestPrefill = {}): ModalView {
  const categoryOptions = CATEGORIES.map((c) => option(c, CATEGORY_LABELS[c]));
  const priorityOptions = PRIORITIES.map((p) => option(p, PRIORITY_LABELS[p]));
  return {
    type: 'modal',
    callback_id: VIEW_NEW_REQUEST,
    private_metadata: metadata,
    title: plain('New support request'),
    submit: plain('Open request'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: 'title',
        label: plain('What do you need help with?'),
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          max_length: TITLE_MAX,
          ...(prefill.title ? { initial_value: cutText(prefill.title, TITLE_MAX) } : {}),
        },
      },
      {
        type: 'input',
        block_id: 'details',
        optional: true,
        label: plain('Details'),
        hint: plain('What happened, where, since when, what you already tried.'),
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          multiline: true,
          max_length: DETAILS_MAX,
          ...(prefill.details ? { initial_value: cutText(prefill.details, DETAILS_MAX) } : {}),
        },
      },
      {
        type: 'input',
        block_id: 'category',
        label: plain('Category'),
        element: { type: 'static_select', action_id: 'value', options: categoryOptions, initial_option: categoryOptions[1] },
      },
      {
        type: 'input',
        block_id: 'priority',
        label: plain('Priority'),
        element: { type: 'static_select', action_id: 'value', options: priorityOptions, initial_option: priorityOptions[1] },
      },
    ],
  };
}

export function resolveModal(metadata: string, key: string, title: string): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW_RESOLVE_REQUEST,
    private_metadata: metadata,
    title: plain(`Resolve ${key}`.slice(0, 24)),
    submit: plain('Resolve'),
    close: plain('Back'),
    blocks: [
      section(`*${key}* ${escapeAndTruncate(title, 300)}`),
      {
        type: 'input',
        block_id: 'resolution',
        label: plain('What was done?'),
        hint: plain('The client sees this summary and is asked to confirm the fix.'),
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: DETAILS_MAX },
      },
    ],
  };
}

export function cancelModal(metadata: string, key: string, title: string): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW_CANCEL_REQUEST,
    private_metadata: metadata,
    title: plain(`Cancel ${key}`.slice(0, 24)),
    submit: plain('Cancel request'),
    close: plain('Keep it'),
    blocks: [
      section(`Cancel *${key}* ${escapeAndTruncate(title, 300)}? Nothing is billed for a cancelled request.`),
      {
        type: 'input',
        block_id: 'reason',
        optional: true,
        label: plain('Reason'),
        element: { type: 'plain_text_input', action_id: 'value', max_length: 500 },
      },
    ],
  };
}

export function reassignModal(metadata: string, key: string, currentAssignee: string | undefined): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW_REASSIGN_REQUEST,
    private_metadata: metadata,
    title: plain(`Reassign ${key}`.slice(0, 24)),
    submit: plain('Reassign'),
    close: plain('Back'),
    blocks: [
      {
        type: 'input',
        block_id: 'assignee',
        label: plain('Engineer'),
        element: {
          type: 'users_select',
          action_id: 'value',
          ...(currentAssignee ? { initial_user: currentAssignee } : {}),
        },
      },
    ],
  };
}

/** `history`: the similar past requests block (slack/views/similarRequests.ts), shown under the heading. */
export function estimateModal(metadata: string, key: string, topUp: boolean, rateText: string, history?: KnownBlock): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW_ESTIMATE,
    private_metadata: metadata,
    title: plain(topUp ? 'Request a top-up' : 'Post an estimate'),
    submit: plain(topUp ? 'Ask the client' : 'Post estimate'),
    close: plain('Back'),
    blocks: [
      section(
        topUp
          ? `*${key}*: the extra time the client must approve before more billable work (at ${rateText}).`
          : `*${key}*: the client approves this before any billable work starts (at ${rateText}).`,
      ),
      ...(history ? [history] : []),
      {
        type: 'input',
        block_id: 'amount',
        label: plain(topUp ? 'Extra time' : 'Time'),
        hint: plain('e.g. 3h, 1h30m, 90m, 1.5h, 1:30, or a range such as 2-4h'),
        element: { type: 'plain_text_input', action_id: 'value', max_length: 20 },
      },
      {
        type: 'input',
        block_id: 'assumptions',
        optional: true,
        label: plain('Assumptions'),
        hint: plain('What the estimate covers and what it does not.'),
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: DETAILS_MAX },
      },
    ],
  };
}

export function logTimeModal(metadata: string, key: string, prefill: { minutes?: string; note?: string; billable?: boolean } = {}, callbackId = VIEW_LOG_TIME): ModalView {
  const billableOption = option('billable', 'Billable');
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: metadata,
    title: plain(callbackId === VIEW_LOG_TIME ? 'Log time' : 'Edit time entry'),
    submit: plain('Save'),
    close: plain('Back'),
    blocks: [
      section(`*${key}*`),
      {
        type: 'input',
        block_id: 'duration',
        label: plain('Time spent'),
        hint: plain('e.g. 45m, 1h30m, 1.5h or 1:30'),
        element: { type: 'plain_text_input', action_id: 'value', max_length: 20, ...(prefill.minutes ? { initial_value: prefill.minutes } : {}) },
      },
      {
        type: 'input',
        block_id: 'note',
        optional: true,
        label: plain('What was done'),
        element: { type: 'plain_text_input', action_id: 'value', max_length: 500, ...(prefill.note ? { initial_value: prefill.note } : {}) },
      },
      {
        type: 'input',
        block_id: 'billable',
        optional: true,
        label: plain('Billing'),
        element: {
          type: 'checkboxes',
          action_id: 'value',
          options: [billableOption],
          ...(prefill.billable === false ? {} : { initial_options: [billableOption] }),
        },
      },
    ],
  };
}

export function declineEstimateModal(metadata: string, summary: string): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW_DECLINE_ESTIMATE,
    private_metadata: metadata,
    title: plain('Decline estimate'),
    submit: plain('Decline'),
    close: plain('Back'),
    blocks: [
      section(summary),
      {
        type: 'input',
        block_id: 'reason',
        label: plain('Why? The engineer sees this.'),
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 1000 },
      },
    ],
  };
}

/** A question in the request's thread: the client's about an estimate, or ours for the client. */
export function askQuestionModal(metadata: string, summary: string, callbackId: string = VIEW_ASK_QUESTION): ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: metadata,
    title: plain('Ask a question'),
    submit: plain('Ask'),
    close: plain('Back'),
    blocks: [
      section(summary),
      {
        type: 'input',
        block_id: 'question',
        label: plain(callbackId === VIEW_ASK_QUESTION ? 'Your question for the engineer' : 'Your question for the client'),
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 2000 },
      },
    ],
  };
}

/** Picks the request a duplicate is merged into: the client's other open requests. */
export function mergeModal(metadata: string, key: string, candidates: Array<{ key: string; title: string }>): ModalView {
  const options = candidates.slice(0, 100).map((c) => ({ text: plain(cutText(`${c.key} ${c.title}`, 75)), value: c.key }));
  return {
    type: 'modal',
    callback_id: VIEW_MERGE_REQUEST,
    private_metadata: metadata,
    title: plain(`Merge ${key}`.slice(0, 24)),
    submit: plain('Merge'),
    close: plain('Back'),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*${key}* ends as a duplicate of the request you pick: its requester is told and follows that one, its timers stop, and no more billable time can be logged on it (time already logged stays on it).`,
        },
      },
      { type: 'input', block_id: 'into', label: plain('Duplicate of'), element: { type: 'static_select', action_id: 'value', placeholder: plain('Pick a request'), options } },
    ],
  };
}
