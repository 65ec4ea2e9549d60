import { SHORTCUT_CREATE_REQUEST } from '../../ids';
import type { ListenerContext } from '../context';
import type { ListenerRoutes } from '../routes';
import { createRequestShortcut } from './createRequest';

export function register(routes: ListenerRoutes, ctx: ListenerContext): void {
  routes.shortcut(SHORTCUT_CREATE_REQUEST, createRequestShortcut(ctx));
}
