// Slack's side of Socket Mode, for tests: a WebSocket server that greets the app with `hello`,
// sends it envelopes (slash commands, interactivity, Events API) and hands back what the app
// acknowledged each one with. The SlackFake's apps.connections.open returns this server's URL, so
// the app finds it exactly as it would find Slack's.
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

interface Pending {
  resolve(payload: Record<string, unknown> | undefined): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class SocketModeServer {
  private server: WebSocketServer | undefined;
  private socket: WebSocket | undefined;
  private connectedWaiters: Array<(socket: WebSocket) => void> = [];
  private readonly pending = new Map<string, Pending>();
  /** Every message the app sent that was not an acknowledgement. */
  readonly unexpected: unknown[] = [];
  connections = 0;

  constructor(private readonly appId = 'A0APP') {}

  async start(): Promise<void> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    server.on('connection', (socket) => this.accept(socket));
    this.server = server;
  }

  get url(): string {
    if (!this.server) throw new Error('SocketModeServer not started');
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/link/?ticket=test`;
  }

  /** Sends an envelope and resolves with the payload the app acknowledged it with (undefined: a bare ack). */
  async send(type: EnvelopeType, payload: Record<string, unknown>, timeoutMs = 5000): Promise<Record<string, unknown> | undefined> {
    const socket = await this.connected();
    const envelopeId = randomUUID();
    const acked = new Promise<Record<string, unknown> | undefined>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelopeId);
        reject(new Error(`The app did not acknowledge the ${type} envelope within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(envelopeId, { resolve, reject, timer });
    });
    socket.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
      }),
    );
    return acked;
  }

  async stop(): Promise<void> {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error('SocketModeServer stopped'));
      this.pending.delete(id);
    }
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: WebSocket): void {
    this.connections++;
    this.socket = socket;
    socket.on('message', (data) => this.receive(String(data)));
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'applink-test', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
    for (const waiter of this.connectedWaiters.splice(0)) waiter(socket);
  }

  private receive(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.unexpected.push(text);
      return;
    }
    const envelopeId = typeof message === 'object' && message !== null ? (message as { envelope_id?: unknown }).envelope_id : undefined;
    const pending = typeof envelopeId === 'string' ? this.pending.get(envelopeId) : undefined;
    if (!pending || typeof envelopeId !== 'string') {
      this.unexpected.push(message);
      return;
    }
    clearTimeout(pending.timer);
    this.pending.delete(envelopeId);
    pending.resolve((message as { payload?: Record<string, unknown> }).payload);
  }

  private connected(): Promise<WebSocket> {
    if (this.socket && this.socket.readyState === this.socket.OPEN) return Promise.resolve(this.socket);
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }
}
