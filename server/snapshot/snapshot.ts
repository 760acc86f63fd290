/**
 * Snapshots of the store, taken and restored through the storage interface, so every backend
 * (lowdb + SQLite, PostgreSQL) is covered the same way. A snapshot holds every record of every
 * kind as stored: secrets stay sealed under the seal key, bearer artefacts stay hashed, so the
 * file is no more sensitive than the data directory, and restoring it needs the same seal key.
 *
 * Format (JSON): {format, version, created_at, sha256, kinds: {kind: [{id, value, expiresAt?}]}},
 * `sha256` over the JSON text of `kinds`, checked before anything is replaced.
 */
import { createHash } from 'node:crypto';
import { SCHEMA } from '../../storage/schema.js';
import type { Json, Storage } from '../../storage/types.js';
import { invalidRequest } from '../errors.js';

export const SNAPSHOT_FORMAT = 'lanyard-snapshot';
export const SNAPSHOT_VERSION = 1;

export interface SnapshotEntry {
  readonly id: string;
  readonly value: Json;
  readonly expiresAt?: number;
}

export type SnapshotKinds = Record<string, SnapshotEntry[]>;

export interface Snapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly version: number;
  readonly created_at: string;
  readonly sha256: string;
  readonly kinds: SnapshotKinds;
}

const digest = (kinds: SnapshotKinds): string => createHash('sha256').update(JSON.stringify(kinds)).digest('hex');

/** Every record of every kind the schema knows. */
export async function readAll(store: Storage): Promise<SnapshotKinds> {
  const kinds: SnapshotKinds = {};
  for (const kind of Object.keys(SCHEMA)) {
    kinds[kind] = (await store.list<Json>(kind)).map((entry) => ({
      id: entry.id,
      value: entry.value,
      ...(entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {}),
    }));
  }
  return kinds;
}

export async function takeSnapshot(store: Storage, now: number): Promise<Snapshot> {
  const kinds = await readAll(store);
  return { format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, created_at: new Date(now).toISOString(), sha256: digest(kinds), kinds };
}

/** Parse and check a snapshot's text; every problem is a 400 before anything changes. */
export function parseSnapshot(text: string): Snapshot {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidRequest('snapshot is not valid JSON');
  }
  const snapshot = parsed as Partial<Snapshot> | null;
  if (typeof snapshot !== 'object' || snapshot === null || snapshot.format !== SNAPSHOT_FORMAT) throw invalidRequest('not a Lanyard snapshot');
  if (snapshot.version !== SNAPSHOT_VERSION) throw invalidRequest(`unsupported snapshot version ${JSON.stringify(snapshot.version)}`);
  const kinds = snapshot.kinds;
  if (typeof kinds !== 'object' || kinds === null || Array.isArray(kinds)) throw invalidRequest('snapshot has no kinds');
  if (typeof snapshot.sha256 !== 'string' || snapshot.sha256 !== digest(kinds)) throw invalidRequest('snapshot checksum does not match its content');
  for (const [kind, entries] of Object.entries(kinds)) {
    if (!(kind in SCHEMA)) throw invalidRequest(`snapshot holds an unknown kind ${JSON.stringify(kind)}`);
    if (!Array.isArray(entries)) throw invalidRequest(`snapshot kind ${kind} is not a list`);
    for (const entry of entries as unknown[]) {
      const e = entry as Partial<SnapshotEntry> | null;
      if (typeof e !== 'object' || e === null || typeof e.id !== 'string' || e.id === '' || !('value' in e)) throw invalidRequest(`snapshot kind ${kind} holds a malformed entry`);
      if (e.expiresAt !== undefined && !Number.isFinite(e.expiresAt)) throw invalidRequest(`snapshot kind ${kind} holds a malformed expiry`);
    }
  }
  return snapshot as Snapshot;
}

/**
 * Make the store hold exactly `kinds` (records already expired at `now` are left out). When a
 * write fails part way, the previous content is put back before the error goes on.
 */
export async function replaceAll(store: Storage, kinds: SnapshotKinds, now: number): Promise<void> {
  const previous = await readAll(store);
  try {
    await overwrite(store, kinds, now);
  } catch (error) {
    await overwrite(store, previous, now);
    throw error;
  }
}

async function overwrite(store: Storage, kinds: SnapshotKinds, now: number): Promise<void> {
  // Everything goes first, so no unique index value of an old record stands in a new one's way.
  for (const kind of Object.keys(SCHEMA)) {
    for (const entry of await store.list(kind)) await store.delete(kind, entry.id);
  }
  for (const [kind, entries] of Object.entries(kinds)) {
    for (const entry of entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) continue;
      await store.put(kind, entry.id, entry.value, entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {});
    }
  }
}
