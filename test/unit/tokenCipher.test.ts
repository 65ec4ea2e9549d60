import { randomBytes } from 'node:crypto';
import { createTokenCipher, parseEncryptionKey } from '../../src/domain/tokenCipher';

const key = randomBytes(32);
const cipher = createTokenCipher(key);

describe('parseEncryptionKey', () => {
  it.each([
    ['64 hex characters', key.toString('hex'), true],
    ['upper-case hex', key.toString('hex').toUpperCase(), true],
    ['base64 of 32 bytes', key.toString('base64'), true],
    ['base64url of 32 bytes', key.toString('base64url'), true],
    ['surrounding spaces', ` ${key.toString('hex')} `, true],
    ['63 hex characters', key.toString('hex').slice(1), false],
    ['base64 of 16 bytes', randomBytes(16).toString('base64'), false],
    ['base64 of 48 bytes', randomBytes(48).toString('base64'), false],
    ['a passphrase', 'correct horse battery staple', false],
    ['empty', '', false],
  ])('%s → %s', (_name, text, valid) => {
    const parsed = parseEncryptionKey(text);
    expect(parsed !== undefined).toBe(valid);
    if (parsed) expect(parsed.equals(key)).toBe(true);
  });
});

describe('TokenCipher', () => {
  it('opens what it sealed', () => {
    const sealed = cipher.seal('xoxb-123-secret', 'T:T0CLIENT');
    expect(cipher.open(sealed, 'T:T0CLIENT')).toBe('xoxb-123-secret');
  });

  it('never writes the plaintext and uses a fresh IV each time', () => {
    const a = cipher.seal('xoxb-123-secret', 'T:T0CLIENT');
    const b = cipher.seal('xoxb-123-secret', 'T:T0CLIENT');
    expect(a).not.toContain('xoxb');
    expect(a).toMatch(/^v1:[^:]+:[^:]+:[^:]+$/);
    expect(a).not.toBe(b);
  });

  it('refuses a value sealed for another record', () => {
    const sealed = cipher.seal('xoxb-123-secret', 'T:T0CLIENT');
    expect(() => cipher.open(sealed, 'T:T0OTHER')).toThrow();
  });

  it('refuses a value sealed with another key', () => {
    const sealed = createTokenCipher(randomBytes(32)).seal('xoxb-123-secret', 'T:T0CLIENT');
    expect(() => cipher.open(sealed, 'T:T0CLIENT')).toThrow();
  });

  it.each([
    ['a flipped ciphertext byte', (s: string) => { const p = s.split(':'); const c = Buffer.from(p[3] ?? '', 'base64'); c[0] = (c[0] ?? 0) ^ 1; p[3] = c.toString('base64'); return p.join(':'); }],
    ['another version', (s: string) => s.replace(/^v1:/, 'v2:')],
    ['a missing part', (s: string) => s.split(':').slice(0, 3).join(':')],
    ['plain text', () => 'xoxb-123-secret'],
  ])('refuses %s', (_name, tamper) => {
    const sealed = cipher.seal('xoxb-123-secret', 'T:T0CLIENT');
    expect(() => cipher.open(tamper(sealed), 'T:T0CLIENT')).toThrow();
  });

  it('refuses a key of the wrong length', () => {
    expect(() => createTokenCipher(randomBytes(16))).toThrow(RangeError);
  });
});
