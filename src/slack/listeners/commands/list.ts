// `/help list` and `/help ACME-42`.
import type { Actor } from '../../../services/directory';
import { listOpenRequests, requestForViewer } from '../../../services/requestQueries';
import { renderRequestList, renderStatusCard } from '../../views/requestList';

export async function listCommand(actor: Actor): Promise<string> {
  return renderRequestList(await listOpenRequests(actor));
}

export async function statusCommand(actor: Actor, key: string): Promise<string> {
  return renderStatusCard(await requestForViewer(actor, key));
}
