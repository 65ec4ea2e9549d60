// What a one-off post says and where it goes, as recorded in its effect (validated when delivered:
// the record may have been written by an older version of the app).
import { z } from 'zod';

export const postSchema = z.object({
  to: z.union([
    /** A reply in the request's client thread. */
    z.object({ thread: z.string() }),
    /** A reply under the request's triage message. */
    z.object({ triageThread: z.string() }),
    z.object({ channel: z.string() }),
    /** A direct message. */
    z.object({ user: z.string() }),
    /** Replaces a message of ours in place (e.g. the DM that asked which client). */
    z.object({ replace: z.object({ channel: z.string(), ts: z.string() }) }),
  ]),
  /** Where the post goes instead when the app cannot post in `to.channel` (not invited, archived…). */
  fallbackUser: z.string().optional(),
  /** Whose installation speaks: ours, or the client organisation's (its channel, its people). */
  workspace: z.enum(['ours', 'client']).default('ours'),
  teamId: z.string().optional(),
  text: z.string(),
  blocks: z.array(z.unknown()).optional(),
  /** A file uploaded after the message, in the same conversation (a billing summary's CSV). */
  csv: z.object({ filename: z.string(), title: z.string(), content: z.string(), comment: z.string().optional() }).optional(),
});

export type SlackPost = z.input<typeof postSchema>;

/**
 * A request's messages not posted yet, as asked for (a request effect's `firstPost`): the channel
 * of its root in the client channel and of its triage message (each while not posted), and the
 * client organisation whose installation posts the root.
 */
export const firstPostSchema = z.object({
  clientChannelId: z.string().min(1).optional(),
  triageChannelId: z.string().min(1).optional(),
  teamId: z.string().optional(),
});

export type FirstPost = z.infer<typeof firstPostSchema>;
