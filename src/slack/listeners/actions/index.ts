import type { App } from '@slack/bolt';
import { ACTION } from '../../ids';
import type { ListenerContext } from '../context';
import { registerBillingActions } from './billing';
import { chooseClientForDm } from './chooseClient';
import { approveEstimate, deleteTime, openAskClientModal, openDeclineModal, openEditTimeModal, openEstimateModal, openLogTimeModal, openQuestionModal } from './estimates';
import { rateRequest, simpleTransition, transitionWithModal } from './requestButtons';
import { mergeButton } from '../merge';
import { acceptOffer, declineOfferButton, toggleAvailability } from '../assignment';

export function register(app: App, ctx: ListenerContext): void {
  app.action(ACTION.claim, simpleTransition(ctx, 'claim'));
  app.action(ACTION.unclaim, simpleTransition(ctx, 'unclaim'));
  app.action(ACTION.confirm, simpleTransition(ctx, 'confirm'));
  app.action(ACTION.reopen, simpleTransition(ctx, 'reopen'));
  app.action(new RegExp(`^${ACTION.rate}_[1-5]$`), rateRequest(ctx));
  app.action(ACTION.resolve, transitionWithModal(ctx, 'resolve'));
  app.action(ACTION.cancel, transitionWithModal(ctx, 'cancel'));
  app.action(ACTION.reassign, transitionWithModal(ctx, 'reassign'));
  // One button per client, each with an action_id of its own (Slack wants them unique in a block).
  app.action(new RegExp(`^${ACTION.chooseClient}(_[A-Z0-9]+)?$`), chooseClientForDm(ctx));
  app.action(ACTION.estimate, openEstimateModal(ctx, false));
  app.action(ACTION.topUp, openEstimateModal(ctx, true));
  app.action(ACTION.logTime, openLogTimeModal(ctx));
  app.action(ACTION.approveEstimate, approveEstimate(ctx));
  app.action(ACTION.declineEstimate, openDeclineModal(ctx));
  app.action(ACTION.askQuestion, openQuestionModal(ctx));
  app.action(ACTION.editTime, openEditTimeModal(ctx));
  app.action(ACTION.deleteTime, deleteTime(ctx));
  app.action(ACTION.askClient, openAskClientModal(ctx));
  app.action(ACTION.merge, mergeButton(ctx));
  app.action(ACTION.acceptOffer, acceptOffer(ctx));
  app.action(ACTION.declineOffer, declineOfferButton(ctx));
  app.action(ACTION.availability, toggleAvailability(ctx));
  registerBillingActions(app, ctx);
}
