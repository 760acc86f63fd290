/** scrypt password hashes: format, verification, parameters carried with the hash, malformed records. */
import { describe, expect, it } from '@jest/globals';
import { LanyardError } from '../../server/errors.js';
import { CURRENT_PARAMS, hashPassword, needsRehash, verifyPassword } from '../../server/userpass/password_hash.js';

describe('password hashes', () => {
  it('hashes in PHC format with a fresh salt each time', async () => {
    const a = await hashPassword('hunter2');
    const b = await hashPassword('hunter2');
    expect(a).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
  });

  it('verifies the right password only', async () => {
    const hash = await hashPassword('pässwörd ✓');
    expect(await verifyPassword('pässwörd ✓', hash)).toBe(true);
    expect(await verifyPassword('passwörd ✓', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('verifies with the parameters stored in the hash and tells when to upgrade', async () => {
    const weak = await hashPassword('hunter2', { ln: 10, r: 8, p: 1 });
    expect(weak.startsWith('$scrypt$ln=10,r=8,p=1$')).toBe(true);
    expect(await verifyPassword('hunter2', weak)).toBe(true);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(await hashPassword('hunter2'))).toBe(false);
    expect(needsRehash(weak, { ln: 10, r: 8, p: 1 })).toBe(false);
    expect(needsRehash(await hashPassword('x', CURRENT_PARAMS), { ...CURRENT_PARAMS, r: 16 })).toBe(true);
  });

  it('refuses malformed or absurd stored hashes without leaking them', async () => {
    for (const stored of ['', 'plaintext', '$scrypt$ln=15,r=8,p=1$c2FsdA$a2V5', '$scrypt$ln=40,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      const err = await verifyPassword('x', stored).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LanyardError);
      expect((err as LanyardError).status).toBe(500);
      expect((err as LanyardError).message).toBe('internal error');
    }
  });
});
