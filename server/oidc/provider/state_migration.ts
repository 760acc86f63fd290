/**
 * Re-keys provider state written before ids were hashed (adapter.ts, state_protection.ts): such a
 * record sits under `<provider>:<model>:<raw id>` with its payload in clear, and its index values
 * are `<provider>:<raw value>`. Each is written again in the hashed, sealed form (same expiry) and
 * the old record deleted, so tokens issued before the upgrade keep working and the store stops
 * holding them. Idempotent, and safe to run on several replicas at once: the new form of a record
 * is the same wherever it is computed (only the payload ciphertext differs), and deleting an
 * already deleted record is a no-op.
 *
 * It runs once per data store: a marker in the configuration store (`system/oidc_state_rekeyed`)
 * saves later starts from listing every record again.
 *
 * Records of older versions under the `~sso:` prefix (upstream sign-ins in progress, now a kind
 * of their own) are not provider models and are left alone; they expire within ten minutes.
 */
import type { Json, Storage } from '../../../storage/types.js';
import type { Services } from '../../services.js';
import { STATE_KIND, stateRecordId, type StoredState } from './adapter.js';
import type { StateProtection } from './state_protection.js';

interface LegacyState {
  readonly payload: Record<string, Json>;
  readonly expiresAt?: number;
  readonly consumed?: number;
  readonly grantId?: string;
  readonly uid?: string;
  readonly userCode?: string;
}

const MARKER_KIND = 'system';
const MARKER_ID = 'oidc_state_rekeyed';

/** `<provider>:<model>:<id>`: provider and model names never hold a colon. */
const LEGACY_ID = /^(\w[\w.-]*):(\w+):(.+)$/s;

function isLegacy(value: unknown): value is LegacyState {
  const payload = (value as { payload?: unknown } | null)?.payload;
  return typeof payload === 'object' && payload !== null && !Array.isArray(payload);
}

/** Re-key every legacy record; resolves to how many were migrated. */
export async function migrateLegacyState(storage: Storage, protection: StateProtection): Promise<number> {
  let migrated = 0;
  for (const entry of await storage.list<unknown>(STATE_KIND)) {
    if (!isLegacy(entry.value)) continue;
    const parts = LEGACY_ID.exec(entry.id);
    if (parts === null) continue;
    const [, provider = '', model = '', rawId = ''] = parts;
    const legacy = entry.value;
    // Legacy index values are `<provider>:<raw value>`.
    const index = (value: string | undefined): string | undefined =>
      value === undefined ? undefined : `${provider}:${protection.hash(value.startsWith(`${provider}:`) ? value.slice(provider.length + 1) : value)}`;
    const id = stateRecordId(provider, model, protection.hash(rawId));
    const grantId = index(legacy.grantId);
    const uid = index(legacy.uid);
    const userCode = index(legacy.userCode);
    const record: StoredState = {
      payload: protection.sealPayload(legacy.payload, id),
      ...(legacy.expiresAt !== undefined ? { expiresAt: legacy.expiresAt } : {}),
      ...(legacy.consumed !== undefined ? { consumed: legacy.consumed } : {}),
      ...(grantId !== undefined ? { grantId } : {}),
      ...(uid !== undefined ? { uid } : {}),
      ...(userCode !== undefined ? { userCode } : {}),
    };
    await storage.put(STATE_KIND, id, record, entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {});
    await storage.delete(STATE_KIND, entry.id);
    migrated += 1;
  }
  return migrated;
}

/** Re-key legacy records unless that was done before; resolves to how many were migrated now. */
export async function migrateLegacyStateOnce(services: Pick<Services, 'storage' | 'now'>, protection: StateProtection): Promise<number> {
  if ((await services.storage.get(MARKER_KIND, MARKER_ID)) !== undefined) return 0;
  const migrated = await migrateLegacyState(services.storage, protection);
  await services.storage.put(MARKER_KIND, MARKER_ID, { version: 1, at: new Date(services.now()).toISOString(), migrated });
  return migrated;
}
