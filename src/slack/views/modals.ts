// The modals: new request, resolve, cancel, reassign. Pure functions from data to views.
import type { ModalView, PlainTextOption } from '@slack/types';
import { CATEGORIES, PRIORITIES } from '../../domain/lifecycle';
import { DETAILS_MAX, TITLE_MAX } from '../../services/requestLifecycle';
import { VIEW_CANCEL_REQUEST, VIEW_NEW_REQUEST, VIEW_REASSIGN_REQUEST, VIEW_RESOLVE_REQUEST } from '../ids';
import { escapeAndTruncate } from '../mrkdwn';
import { section } from './blocks';

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
          ...(prefill.title ? { initial_value: prefill.title.slice(0, TITLE_MAX) } : {}),
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
          ...(prefill.details ? { initial_value: prefill.details.slice(0, DETAILS_MAX) } : {}),
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
