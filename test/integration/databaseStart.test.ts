// A process that starts while MongoDB cannot be reached yet (MongoDB itself starting, electing a
// primary, or too busy to answer in its first seconds) waits for it, up to its patience, instead
// of exiting at the first 2 s server-selection timeout; past its patience it gives up with
// MongoDB's error. MongoDB is reached through a gate that refuses connections until it opens.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import mongoose from 'mongoose';
import { connectDatabase, disconnectDatabase, isDatabaseReachable } from '../../src/db/connection';
import { setLogLevel } from '../../src/logger';
import { testDatabaseUri } from '../support/testEnv';

beforeAll(() => {
  setLogLevel(process.env.TEST_LOG_LEVEL ?? 'silent');
});

/** A TCP gate in front of the test MongoDB: connections are dropped until `open()`. */
async function gate(): Promise<{ uri: string; open(): void; close(): Promise<void> }> {
  const target = new URL(testDatabaseUri());
  let open = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (!open) {
      socket.destroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const uri = new URL(target);
  uri.port = String((server.address() as AddressInfo).port);
  return {
    uri: uri.toString(),
    open: () => {
      open = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

it('waits for a MongoDB it cannot reach yet, and connects once it can', async () => {
  const door = await gate();
  try {
    const started = Date.now();
    const connecting = connectDatabase(door.uri, 20_000);
    // Closed for longer than one 2 s try: the first fails, a later one gets through.
    setTimeout(() => door.open(), 2500);
    await connecting;
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
    expect(await isDatabaseReachable()).toBe(true);
    // Usable: the indexes were made and a query answers.
    expect(await mongoose.connection.db!.collection('requests').indexExists('key_1')).toBe(true);
  } finally {
    await disconnectDatabase();
    await mongoose.connection.db?.dropDatabase().catch(() => undefined);
    await door.close();
  }
}, 30_000);

it("gives up with MongoDB's error once its patience runs out", async () => {
  const door = await gate();
  try {
    const started = Date.now();
    await expect(connectDatabase(door.uri, 1000)).rejects.toBeInstanceOf(mongoose.Error.MongooseServerSelectionError);
    // One more 2 s try may start just before the patience runs out; no more.
    expect(Date.now() - started).toBeLessThan(1000 + 2 * 2000 + 1000);
    expect(mongoose.connection.readyState).toBe(0);
  } finally {
    await door.close();
  }
}, 30_000);
