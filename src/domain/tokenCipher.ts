// Seals Slack tokens (and whole installations) before they reach MongoDB: AES-256-GCM with a key
// from the environment, a fresh 12-byte IV per value, and the record's key as associated data so
// a sealed value copied onto another team's record does not open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const KEY_BYTES = 32;

export const ENCRYPTION_KEY_FORMAT = '32 bytes, written as 64 hex characters or as base64 (e.g. `openssl rand -hex 32`)';

/** The 32-byte key from its text form (64 hex characters, or base64 of 32 bytes); undefined when malformed. */
export function parseEncryptionKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return undefined;
  const decoded = Buffer.from(trimmed, 'base64');
  return decoded.length === KEY_BYTES ? decoded : undefined;
}

export interface TokenCipher {
  /** `v1:<iv>:<auth tag>:<ciphertext>`, each part base64. */
  seal(plaintext: string, context: string): string;
  /** Throws when the value was altered, sealed with another key, or for another context. */
  open(sealed: string, context: string): string;
}

export function createTokenCipher(key: Buffer): TokenCipher {
  if (key.length !== KEY_BYTES) throw new RangeError(`The encryption key must be ${KEY_BYTES} bytes`);
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(':');
    },
    open(sealed, context) {
      const [version, iv, tag, ciphertext, ...rest] = sealed.split(':');
      if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined || rest.length > 0) {
        throw new Error('Not a sealed value this version can open');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
    },
  };
}
