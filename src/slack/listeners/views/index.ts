import type { App } from '@slack/bolt';
import {
  VIEW_ASK_CLIENT,
  VIEW_ASK_QUESTION,
  VIEW_CANCEL_REQUEST,
  VIEW_DECLINE_ESTIMATE,
  VIEW_EDIT_TIME,
  VIEW_ESTIMATE,
  VIEW_LOG_TIME,
  VIEW_MERGE_REQUEST,
  VIEW_NEW_REQUEST,
  VIEW_REASSIGN_REQUEST,
  VIEW_RESOLVE_REQUEST,
} from '../../ids';
import { askClientSubmitted, declineSubmitted, editTimeSubmitted, estimateSubmitted, logTimeSubmitted, questionSubmitted } from './estimates';
import type { ListenerContext } from '../context';
import { newRequestSubmitted, transitionSubmitted } from './submissions';
import { mergeSubmitted } from '../merge';

export function register(app: App, ctx: ListenerContext): void {
  app.view(VIEW_NEW_REQUEST, newRequestSubmitted(ctx));
  app.view(VIEW_RESOLVE_REQUEST, transitionSubmitted(ctx, 'resolve'));
  app.view(VIEW_CANCEL_REQUEST, transitionSubmitted(ctx, 'cancel'));
  app.view(VIEW_REASSIGN_REQUEST, transitionSubmitted(ctx, 'reassign'));
  app.view(VIEW_ESTIMATE, estimateSubmitted(ctx));
  app.view(VIEW_DECLINE_ESTIMATE, declineSubmitted(ctx));
  app.view(VIEW_ASK_QUESTION, questionSubmitted(ctx));
  app.view(VIEW_LOG_TIME, logTimeSubmitted(ctx));
  app.view(VIEW_EDIT_TIME, editTimeSubmitted(ctx));
  app.view(VIEW_ASK_CLIENT, askClientSubmitted(ctx));
  app.view(VIEW_MERGE_REQUEST, mergeSubmitted(ctx));
}
