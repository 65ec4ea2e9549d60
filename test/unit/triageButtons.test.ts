// The triage message's buttons come from the lifecycle table: every transition our staff can make
// from a state has its button there, and no button offers one the lifecycle refuses.
import { REQUEST_STATES, TRANSITIONS, canTransition, type RequestAction, type RequestState } from '../../src/domain/lifecycle';
import { ACTION } from '../../src/slack/ids';
import { renderTriageMessage, type RequestView } from '../../src/slack/views/requestMessages';

function triageButtons(state: RequestState): Array<{ text: string; action_id: string; style?: string }> {
  const view: RequestView = {
    key: 'ACME-7',
    clientKey: 'ACME',
    title: 'Checkout returns 500',
    details: '',
    category: 'incident',
    priority: 'normal',
    state,
    requesterId: 'U0ACMEDEV',
    createdAt: new Date('2026-03-02T10:00:00Z'),
    clientChannelId: 'C0ACME',
  };
  const block = renderTriageMessage(view, 'Acme Ltd').blocks.find((b) => b.type === 'actions');
  const elements = block && 'elements' in block ? (block.elements as Array<{ text: { text: string }; action_id: string; style?: string }>) : [];
  return elements.map((e) => ({ text: e.text.text, action_id: e.action_id, ...(e.style ? { style: e.style } : {}) }));
}

const actionIds = new Map<string, RequestAction>(
  (Object.keys(TRANSITIONS) as RequestAction[]).flatMap((a) => (a in ACTION ? [[ACTION[a as keyof typeof ACTION], a] as [string, RequestAction]] : [])),
);

describe('the triage buttons per state', () => {
  it.each(REQUEST_STATES)('%s: a button for each transition staff may make, and none for another', (state) => {
    const staffMay = (Object.keys(TRANSITIONS) as RequestAction[]).filter((a) => TRANSITIONS[a].by === 'staff' && canTransition(state, a));
    const offered = triageButtons(state).flatMap((b) => {
      const action = actionIds.get(b.action_id);
      return action ? [action] : [];
    });
    expect([...offered].sort()).toEqual([...staffMay].sort());
    // A transition button on the triage message is only ever one of staff's.
    for (const action of offered) expect(TRANSITIONS[action].by).toBe('staff');
  });

  it('keeps their labels, order and emphasis', () => {
    const labels = (state: RequestState) => triageButtons(state).map((b) => (b.style === 'primary' ? `[${b.text}]` : b.text));
    const beforeApproval = ['[Post estimate]', 'Log time', 'Ask the client', 'Resolve', 'Unclaim', 'Reassign', 'Merge…'];
    const approvedWork = ['[Log time]', 'Request top-up', 'Ask the client', 'Re-estimate', 'Resolve', 'Reassign', 'Merge…'];
    expect(Object.fromEntries(REQUEST_STATES.map((s) => [s, labels(s)]))).toEqual({
      open: ['[Claim]', 'Merge…'],
      claimed: beforeApproval,
      declined: beforeApproval,
      awaiting_approval: ['Re-estimate', 'Log time', 'Reassign', 'Merge…'],
      approved: approvedWork,
      in_progress: approvedWork,
      resolved: ['Log time'],
      closed: [],
      cancelled: [],
      merged: [],
    });
  });
});
