// The baseline: a Bolt app that does nothing but acknowledge the help command. Same receiver
// (HTTPReceiver), same signing secret, same Web API URL as the real app, so the difference
// between the two is what Ad-hoc Help adds on top of Bolt.
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

export interface BareBolt {
  port: number;
  stop(): Promise<void>;
}

export async function startBareBolt(options: { signingSecret: string; botToken: string; apiUrl: string; command: string }): Promise<BareBolt> {
  const receiver = new HTTPReceiver({ signingSecret: options.signingSecret, endpoints: '/slack/events', logLevel: LogLevel.ERROR });
  const app = new App({ receiver, token: options.botToken, clientOptions: { slackApiUrl: options.apiUrl }, logLevel: LogLevel.ERROR });
  app.command(options.command, async ({ ack }) => {
    await ack();
  });
  const server = await app.start({ port: 0, host: '127.0.0.1' });
  return {
    port: (server.address() as AddressInfo).port,
    async stop() {
      await app.stop();
    },
  };
}
