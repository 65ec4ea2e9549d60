// POST /webhooks/github: GitHub tells us a linked pull request or issue was merged, closed or
// reopened. Deliveries are signed (X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with
// GITHUB_WEBHOOK_SECRET>); unsigned or wrongly signed ones are refused before anything is read,
// and a redelivery (the same X-GitHub-Delivery) of a delivery applied as a whole changes nothing.
// GitHub does not retry a failed delivery by itself: someone redelivers it (the webhook's Recent
// Deliveries, or the API), so a failure half-way must leave nothing a redelivery cannot finish.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import { logger } from '../logger';
import { applyGithubDelivery, githubDeliveryApplied } from '../services/workLinks';
import { afterLinkedWorkChanged, type Effects } from '../slack/requestUpdates';

/** GitHub's deliveries are at most 25 MB; ours need a few kB. */
const MAX_BODY_BYTES = 1024 * 1024;

export function githubSignatureValid(secret: string, body: Buffer, header: string | undefined): boolean {
  const match = /^sha256=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(match[1] ?? '', 'hex'));
}

/**
 * The body, or undefined when it has already been answered: 413 past MAX_BODY_BYTES, 408 when it
 * does not arrive within `timeoutMs` (a client that opens the request and never finishes it). The
 * answer is sent first, with `Connection: close`; only then does the server stop reading, so the
 * client receives it rather than a reset connection.
 */
function readBody(req: IncomingMessage, res: ServerResponse, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const refuse = (status: 408 | 413, error: string) => {
      settled = true;
      clearTimeout(timer);
      req.removeListener('data', onData);
      res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
      // What still arrives is dropped, not read: once the answer has left, the socket is closed.
      res.end(JSON.stringify({ ok: false, error }), () => req.socket.destroy());
      req.resume();
      resolve(undefined);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) refuse(413, 'payload too large');
      else chunks.push(chunk);
    };
    const timer = setTimeout(() => refuse(408, 'the body did not arrive in time'), timeoutMs);
    req.on('data', onData);
    req.on('end', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      if (!settled) reject(error);
    });
    // The client went away before its body ended: nobody to answer.
    req.on('close', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function handle(effects: Effects, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const secret = effects.config.githubWebhookSecret;
  if (!secret) {
    reply(res, 404, { ok: false, error: 'GitHub webhooks are not configured (GITHUB_WEBHOOK_SECRET)' });
    return;
  }
  const body = await readBody(req, res, effects.config.githubWebhookReadTimeoutMs);
  if (!body) return; // answered: too large, or too slow
  const signature = req.headers['x-hub-signature-256'];
  if (!githubSignatureValid(secret, body, typeof signature === 'string' ? signature : undefined)) {
    logger.warn({ delivery: req.headers['x-github-delivery'] }, 'Refused a GitHub delivery without a valid signature');
    reply(res, 401, { ok: false, error: 'invalid signature' });
    return;
  }
  const delivery = req.headers['x-github-delivery'];
  const event = req.headers['x-github-event'];
  if (typeof delivery !== 'string' || !/^[A-Za-z0-9-]{1,100}$/.test(delivery) || typeof event !== 'string') {
    reply(res, 400, { ok: false, error: 'X-GitHub-Delivery and X-GitHub-Event are required' });
    return;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    reply(res, 400, { ok: false, error: 'the body is not JSON' });
    return;
  }
  const outcome = await applyGithubDelivery(delivery, event, payload);
  if (outcome.outcome !== 'applied') {
    if (outcome.outcome === 'ignored') await githubDeliveryApplied(delivery, event);
    reply(res, 200, { ok: true, outcome: outcome.outcome });
    return;
  }
  await afterLinkedWorkChanged(effects, outcome);
  // Only now is the delivery done: had anything above failed, a redelivery would finish it.
  await githubDeliveryApplied(delivery, event);
  logger.info({ delivery, event, requests: outcome.changes.map((c) => c.key) }, 'GitHub delivery applied');
  reply(res, 200, { ok: true, outcome: 'applied', requests: outcome.changes.map((c) => c.key) });
}

export function githubWebhookRoute(effects: Effects): CustomRoute {
  return {
    path: '/webhooks/github',
    method: 'POST',
    handler: (req, res) => {
      handle(effects, req, res).catch((error: unknown) => {
        // GitHub does not retry by itself: redelivering it (Recent Deliveries, or the API) finishes it.
        logger.error({ err: error, delivery: req.headers['x-github-delivery'] }, 'A GitHub delivery failed; redeliver it from the webhook settings to finish it');
        if (!res.headersSent) reply(res, 500, { ok: false, error: 'internal error' });
      });
    },
  };
}
