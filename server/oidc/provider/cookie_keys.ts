/**
 * The keys that sign the providers' cookies (session, interaction, resume). They must outlive
 * Provider rebuilds and server restarts, or every signed-in user would be signed out, so they are
 * stored once, sealed (context `oidc-cookie-keys`), in the configuration store. The first key
 * signs; all of them verify, which leaves room for rotation by prepending a key.
 */
import { randomBytes } from 'node:crypto';
import { AlreadyExistsError } from '../../../storage/errors.js';
import type { Services } from '../../services.js';

const KIND = 'system';
const ID = 'oidc_cookie_keys';
const SEAL_CONTEXT = 'oidc-cookie-keys';

interface StoredCookieKeys {
  /** Sealed keys, newest first. */
  readonly keys: readonly string[];
}

export async function loadCookieKeys(services: Pick<Services, 'storage' | 'seal'>): Promise<string[]> {
  let stored = await services.storage.get<StoredCookieKeys>(KIND, ID);
  if (stored === undefined) {
    const fresh: StoredCookieKeys = { keys: [services.seal.seal(randomBytes(32).toString('base64url'), SEAL_CONTEXT)] };
    try {
      await services.storage.create(KIND, ID, fresh);
      stored = fresh;
    } catch (err) {
      // Another request created them first: use theirs.
      if (!(err instanceof AlreadyExistsError)) throw err;
      stored = await services.storage.get<StoredCookieKeys>(KIND, ID);
    }
  }
  if (stored === undefined || stored.keys.length === 0) throw new Error('the stored cookie keys vanished while being created');
  return stored.keys.map((sealed) => services.seal.open(sealed, SEAL_CONTEXT));
}
