import type { App } from '@slack/bolt';
import { SHORTCUT_CREATE_REQUEST } from '../../ids';
import type { ListenerContext } from '../context';
import { createRequestShortcut } from './createRequest';

export function register(app: App, ctx: ListenerContext): void {
  app.shortcut(SHORTCUT_CREATE_REQUEST, createRequestShortcut(ctx));
}
