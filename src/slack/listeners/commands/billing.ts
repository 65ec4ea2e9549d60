// `/help billing [KEY] [YYYY-MM]`: a client's billing summary for a month, with its CSV.
import type { WebClient } from '@slack/web-api';
import type { ListenerContext } from '../context';

export interface BillingInvocation {
  userId: string;
  channelId: string;
  clientKey?: string | undefined;
  month?: string | undefined;
}

/** Returns the ephemeral answer; posts the summary and uploads the CSV where the user asked. */
export async function billingCommand(_ctx: ListenerContext, _client: WebClient, _invocation: BillingInvocation): Promise<string> {
  throw new Error('billing is being written');
}
