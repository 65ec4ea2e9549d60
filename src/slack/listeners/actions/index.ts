import { ACTION } from '../../ids';
import type { ListenerContext } from '../context';
import type { ListenerRoutes } from '../routes';
import { registerBillingActions } from './billing';
import { chooseClientForDm } from './chooseClient';
import { approveEstimate, deleteTime, openAskClientModal, openDeclineModal, openEditTimeModal, openEstimateModal, openLogTimeModal, openQuestionModal } from './estimates';
import { rateRequest, simpleTransition, transitionWithModal } from './requestButtons';
import { mergeButton } from '../merge';
import { acceptOffer, declineOfferButton, toggleAvailability } from '../assignment';

export function register(routes: ListenerRoutes, ctx: ListenerContext): void {
  routes.action(ACTION.claim, simpleTransition(ctx, 'claim'));
  routes.action(ACTION.unclaim, simpleTransition(ctx, 'unclaim'));
  routes.action(ACTION.confirm, simpleTransition(ctx, 'confirm'));
  routes.action(ACTION.reopen, simpleTransition(ctx, 'reopen'));
  routes.action(new RegExp(`^${ACTION.rate}_[1-5]$`), rateRequest(ctx));
  routes.action(ACTION.resolve, transitionWithModal(ctx, 'resolve'));
  routes.action(ACTION.cancel, transitionWithModal(ctx, 'cancel'));
  routes.action(ACTION.reassign, transitionWithModal(ctx, 'reassign'));
  // One button per client, each with an action_id of its own (Slack wants them unique in a block).
  routes.action(new RegExp(`^${ACTION.chooseClient}(_[A-Z0-9]+)?$`), chooseClientForDm(ctx));
  routes.action(ACTION.estimate, openEstimateModal(ctx, false));
  routes.action(ACTION.topUp, openEstimateModal(ctx, true));
  routes.action(ACTION.logTime, openLogTimeModal(ctx));
  routes.action(ACTION.approveEstimate, approveEstimate(ctx));
  routes.action(ACTION.declineEstimate, openDeclineModal(ctx));
  routes.action(ACTION.askQuestion, openQuestionModal(ctx));
  routes.action(ACTION.editTime, openEditTimeModal(ctx));
  routes.action(ACTION.deleteTime, deleteTime(ctx));
  routes.action(ACTION.askClient, openAskClientModal(ctx));
  routes.action(ACTION.merge, mergeButton(ctx));
  routes.action(ACTION.acceptOffer, acceptOffer(ctx));
  routes.action(ACTION.declineOffer, declineOfferButton(ctx));
  routes.action(ACTION.availability, toggleAvailability(ctx));
  registerBillingActions(routes, ctx);
}
