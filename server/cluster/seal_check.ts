/**
 * The key-check value: a known text sealed with the cluster's seal key, stored once in the
 * database by the first replica. Every later replica opens it before serving; one given another
 * key cannot, and refuses to start instead of sealing new secrets no other replica could open.
 */
import { Seal, SealError } from '../../keys/seal.js';
import type { PostgresStorage } from '../../storage/postgres.js';

const META_KEY = 'seal_check';
const CONTEXT = 'lanyard-seal-check';
const PLAINTEXT = 'lanyard seal key check v1';

export class SealKeyMismatchError extends Error {
  override name = 'SealKeyMismatchError';
}

export async function checkClusterSealKey(storage: Pick<PostgresStorage, 'claimMeta'>, seal: Seal): Promise<void> {
  const stored = await storage.claimMeta(META_KEY, seal.seal(PLAINTEXT, CONTEXT));
  let opened: string | undefined;
  try {
    opened = seal.open(stored, CONTEXT);
  } catch (error) {
    if (!(error instanceof SealError)) throw error;
  }
  if (opened !== PLAINTEXT) {
    throw new SealKeyMismatchError(
      'this replica\'s seal key is not the cluster\'s: the key-check value in the database does not open with it. ' +
        'Give every replica the same key (--seal-key-file or LANYARD_SEAL_KEY); refusing to start.',
    );
  }
}

/** A seal from a base64 key given inline (LANYARD_SEAL_KEY). */
export function sealFromBase64(text: string): Seal {
  return new Seal(Buffer.from(text.trim(), 'base64'));
}
