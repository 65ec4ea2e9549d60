// Opens and closes the MongoDB connection and makes sure every index exists.
import mongoose from 'mongoose';
import { logger } from '../logger';
import { AuditChainModel } from './auditChain';
import { AuditEventModel } from './auditEvent';
import { BillingSummaryModel } from './billingSummary';
import { ClientModel } from './client';
import { CounterModel } from './counter';
import { EstimateModel } from './estimate';
import { HomeViewerModel } from './homeViewer';
import { InstallationModel } from './installation';
import { MonthlyUsageModel } from './monthlyUsage';
import { OAuthStateModel } from './oauthState';
import { PendingIntakeModel } from './pendingIntake';
import { PersonModel } from './person';
import { WebhookDeliveryModel } from './webhookDelivery';
import { OnCallRotaModel } from './onCallRota';
import { RequestModel } from './request';
import { ScheduledRunModel } from './scheduledRun';
import { SlackEffectModel } from './slackEffect';
import { SlackEventModel } from './slackEvent';
import { StaffModel } from './staff';
import { TimeEntryModel } from './timeEntry';

const MODELS = [ClientModel, StaffModel, CounterModel, RequestModel, AuditEventModel, AuditChainModel, PendingIntakeModel, EstimateModel, TimeEntryModel, MonthlyUsageModel, BillingSummaryModel, ScheduledRunModel, SlackEventModel, SlackEffectModel, HomeViewerModel, InstallationModel, OAuthStateModel, PersonModel, WebhookDeliveryModel, OnCallRotaModel];

// The web app and the worker may share one process (the demo, tests); the connection closes when
// the last of them disconnects.
let users = 0;

/**
 * How long a starting process keeps trying to reach MongoDB before it gives up: a MongoDB that is
 * itself starting, electing a primary or busy (its first seconds) is waited for, not a reason to
 * exit. Each try still fails after 2 s, as every query does.
 */
export const START_PATIENCE_MS = 30_000;

export async function connectDatabase(uri: string, patienceMs = START_PATIENCE_MS): Promise<typeof mongoose> {
  users++;
  if (users > 1) {
    await mongoose.connection.asPromise();
    return mongoose;
  }
  mongoose.set('strictQuery', true);
  // autoIndex off: indexes are built once, explicitly, below, so several processes starting at
  // once do not race on them and a failure is reported instead of swallowed.
  // Fail fast when MongoDB is unreachable: a Slack user waits at most 3 s for an answer, and a
  // clear "try again" beats a late one. Writes are not buffered while disconnected.
  mongoose.set('bufferTimeoutMS', 2000);
  const giveUpAt = Date.now() + patienceMs;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await mongoose.connect(uri, { autoIndex: false, serverSelectionTimeoutMS: 2000 });
        break;
      } catch (error) {
        if (!(error instanceof mongoose.Error.MongooseServerSelectionError) || Date.now() >= giveUpAt) throw error;
        logger.warn({ err: error.message, attempt }, 'MongoDB is not reachable yet; trying again');
        await mongoose.disconnect().catch(() => undefined);
      }
    }
    await Promise.all(MODELS.map((m) => m.createIndexes()));
  } catch (error) {
    users--;
    throw error;
  }
  return mongoose;
}

/**
 * Before a web process says it is ready: opens `connections` connections of the pool (a burst
 * would otherwise open one per concurrent query, each with its handshake, while people wait) and
 * runs one query on each model, so mongoose and the driver have built what a first query needs.
 */
export async function warmDatabase(connections: number): Promise<void> {
  const db = mongoose.connection.db;
  if (!db) return;
  await Promise.all(Array.from({ length: connections }, () => db.admin().command({ ping: 1 })));
  await Promise.all(MODELS.map((m) => m.modelName).map((name) => mongoose.model(name).findOne({ _id: { $in: [] } }).lean()));
}

export async function disconnectDatabase(): Promise<void> {
  users = Math.max(0, users - 1);
  if (users === 0) await mongoose.disconnect();
}

export async function isDatabaseReachable(): Promise<boolean> {
  const db = mongoose.connection.db;
  if (mongoose.connection.readyState !== 1 || !db) return false;
  try {
    await db.admin().command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}
