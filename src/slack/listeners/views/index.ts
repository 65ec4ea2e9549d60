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
import type { ListenerRoutes } from '../routes';
import { newRequestSubmitted, transitionSubmitted } from './submissions';
import { mergeSubmitted } from '../merge';

export function register(routes: ListenerRoutes, ctx: ListenerContext): void {
  routes.view(VIEW_NEW_REQUEST, newRequestSubmitted(ctx));
  routes.view(VIEW_RESOLVE_REQUEST, transitionSubmitted(ctx, 'resolve'));
  routes.view(VIEW_CANCEL_REQUEST, transitionSubmitted(ctx, 'cancel'));
  routes.view(VIEW_REASSIGN_REQUEST, transitionSubmitted(ctx, 'reassign'));
  routes.view(VIEW_ESTIMATE, estimateSubmitted(ctx));
  routes.view(VIEW_DECLINE_ESTIMATE, declineSubmitted(ctx));
  routes.view(VIEW_ASK_QUESTION, questionSubmitted(ctx));
  routes.view(VIEW_LOG_TIME, logTimeSubmitted(ctx));
  routes.view(VIEW_EDIT_TIME, editTimeSubmitted(ctx));
  routes.view(VIEW_ASK_CLIENT, askClientSubmitted(ctx));
  routes.view(VIEW_MERGE_REQUEST, mergeSubmitted(ctx));
}
