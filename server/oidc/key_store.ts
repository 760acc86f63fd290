/**
 * Named keys in storage (kind `oidc_key`, id = the key name).
 *
 * Private JWKs never reach storage in the clear: each is sealed with the context
 * `oidc-key:<name>:<kid>`, so a sealed key copied into another key's record does not open. Reads
 * that only need a key's parameters (read, list, reference checks) use the stored record as is;
 * signing and publishing open it.
 */
import type { JWK } from 'jose';
import type { KeyMaterial } from '../../keys/key_material.js';
import { ensureKeyMaterial, jwksOf, type NamedKeyState } from '../../keys/named_key.js';
import type { Services } from '../services.js';
import type { StoredKey, StoredKeyMaterial } from './types.js';

export const KEY_KIND = 'oidc_key';

type StorageOnly = Pick<Services, 'storage'>;
type KeyServices = Pick<Services, 'storage' | 'seal'>;

/** The stored record (private parts still sealed), or undefined. */
export function readStoredKey(services: StorageOnly, name: string): Promise<StoredKey | undefined> {
  return services.storage.get<StoredKey>(KEY_KIND, name);
}

/** Every stored key, sorted by name. */
export async function listStoredKeys(services: StorageOnly): Promise<StoredKey[]> {
  return (await services.storage.list<StoredKey>(KEY_KIND)).map((entry) => entry.value);
}

/** The key with its private JWKs opened, or undefined when there is no such key. */
export async function openKey(services: KeyServices, name: string): Promise<NamedKeyState | undefined> {
  const stored = await readStoredKey(services, name);
  return stored === undefined ? undefined : openStoredKey(services, stored);
}

export function openStoredKey(services: Pick<Services, 'seal'>, stored: StoredKey): NamedKeyState {
  const { name: _name, ...state } = stored;
  const open = (material: StoredKeyMaterial | null): KeyMaterial | null =>
    material === null ? null : { ...material, privateJwk: JSON.parse(openedText(services, sealContext(stored.name, material.kid), material.privateJwk)) as JWK };
  return { ...state, current: open(stored.current), next: open(stored.next) };
}

/**
 * Opened private JWKs by their sealed text and context. Every identity token and every ID token
 * opens the signing key; the sealed text only changes when the key pair does (each seal has a
 * fresh IV), so the decryption is done once per key pair. The signer already keeps the same
 * private key in memory (keys/sign_jwt.ts), so this keeps nothing new in the clear.
 */
const openedBySeal = new WeakMap<Services['seal'], Map<string, string>>();
const MAX_OPENED = 1024;

function openedText(services: Pick<Services, 'seal'>, context: string, sealed: string): string {
  // Per seal: a value that would not open under another seal key must not come from the cache.
  let opened = openedBySeal.get(services.seal);
  if (opened === undefined) openedBySeal.set(services.seal, (opened = new Map()));
  const cacheKey = `${context}\u0000${sealed}`;
  const hit = opened.get(cacheKey);
  if (hit !== undefined) return hit;
  const text = services.seal.open(sealed, context);
  if (opened.size >= MAX_OPENED) opened.clear();
  opened.set(cacheKey, text);
  return text;
}

/**
 * Store `state` under `name`, sealing its private JWKs. A key pair that is already stored under
 * the same kid keeps its sealed text, so a rotation or a parameter change does not re-encrypt
 * (and rewrite) key pairs that did not change.
 */
export async function saveKey(services: KeyServices, name: string, state: NamedKeyState): Promise<void> {
  const before = await readStoredKey(services, name);
  const sealedBefore = new Map<string, string>();
  for (const material of [before?.current, before?.next]) {
    if (material) sealedBefore.set(material.kid, material.privateJwk);
  }
  const seal = (material: KeyMaterial | null): StoredKeyMaterial | null =>
    material === null
      ? null
      : {
          kid: material.kid,
          publicJwk: material.publicJwk,
          privateJwk: sealedBefore.get(material.kid) ?? services.seal.seal(JSON.stringify(material.privateJwk), sealContext(name, material.kid)),
        };
  const stored: StoredKey = { ...state, name, current: seal(state.current), next: seal(state.next) };
  await services.storage.put(KEY_KIND, name, stored);
}

/** The JWKS published for `keys`, read from the stored records (named_key.jwksOf's rule). */
export function publishedJwks(keys: Iterable<StoredKey>, now: number): { keys: JWK[] } {
  return jwksOf(keys, now);
}

export function deleteKey(services: StorageOnly, name: string): Promise<boolean> {
  return services.storage.delete(KEY_KIND, name);
}

/**
 * Vault generates the built-in default key's key pairs only when a client or role first uses it
 * (so a fresh server publishes nothing). Call under the OIDC write lock. Resolves to the opened
 * key, or undefined when it does not exist.
 */
export async function materialiseKey(services: KeyServices, name: string): Promise<NamedKeyState | undefined> {
  const state = await openKey(services, name);
  if (state === undefined) return undefined;
  const complete = await ensureKeyMaterial(state);
  if (complete !== state) await saveKey(services, name, complete);
  return complete;
}

function sealContext(name: string, kid: string): string {
  return `oidc-key:${name}:${kid}`;
}
