import type { App } from '@slack/bolt';
import { VIEW_CANCEL_REQUEST, VIEW_NEW_REQUEST, VIEW_REASSIGN_REQUEST, VIEW_RESOLVE_REQUEST } from '../../ids';
import type { ListenerContext } from '../context';
import { newRequestSubmitted, transitionSubmitted } from './submissions';

export function register(app: App, ctx: ListenerContext): void {
  app.view(VIEW_NEW_REQUEST, newRequestSubmitted(ctx));
  app.view(VIEW_RESOLVE_REQUEST, transitionSubmitted(ctx, 'resolve'));
  app.view(VIEW_CANCEL_REQUEST, transitionSubmitted(ctx, 'cancel'));
  app.view(VIEW_REASSIGN_REQUEST, transitionSubmitted(ctx, 'reassign'));
}
