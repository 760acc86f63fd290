/**
 * Configuration storage in one JSON file through lowdb. Each change rewrites the whole file: fine
 * for hundreds or thousands of records, wrong for per-request state (that goes to SQLite).
 *
 * Semantics are MemoryStorage's; this class makes every change durable before it becomes visible:
 * - Changes run one at a time, each against the state the previous one committed.
 * - The adapter (DurableJsonFile) writes a temporary file, syncs it, renames it over the target
 *   and syncs the directory, so a crash leaves the old file or the new one, never a mix, and an
 *   acknowledged change survives power loss.
 * - Memory adopts a change only once the write is done: a failed write leaves memory equal to disk.
 * - The file is owner-only (0600).
 * Single process, single writer: there is no cross-process lock.
 */
import { access, chmod, constants } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { DurableJsonFile } from './durable_json_file.js';
import { StorageError } from './errors.js';
import { MemoryStorage, type Draft, type MemoryOptions, type Row, type State } from './memory.js';
import type { Json, Schema } from './types.js';

/** Layout of the file. `version` lets a later release migrate it. */
interface FileData {
  readonly version: number;
  readonly kinds: Record<string, Record<string, Row>>;
}

const FILE_VERSION = 1;

export type LowdbOptions = MemoryOptions;

export class LowdbStorage extends MemoryStorage {
  readonly #file: string;
  readonly #db: Low<FileData>;
  /** Settles when the last queued change has; changes chain onto it. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(file: string, schema: Schema, options: LowdbOptions) {
    super(schema, options);
    this.#file = file;
    this.#db = new Low<FileData>(new DurableJsonFile<FileData>(file), { version: FILE_VERSION, kinds: {} });
  }

  /** Opens the file, creating it when absent. Rejects with StorageError when it is not ours. */
  static async open(file: string, schema: Schema, options: LowdbOptions = {}): Promise<LowdbStorage> {
    const storage = new LowdbStorage(file, schema, options);
    const data = await storage.#read();
    if (data === null) {
      await storage.commit(new Map());
    } else {
      storage.state = data;
      await chmod(file, 0o600);
    }
    return storage;
  }

  /**
   * Checks that the file is still there and that the next write can succeed (file and directory
   * writable). It does not rewrite the file: health checks poll this, and a rewrite costs as much
   * as any configuration change.
   */
  override async ping(): Promise<void> {
    await super.ping();
    try {
      await access(this.#file, constants.R_OK | constants.W_OK);
      await access(dirname(this.#file), constants.W_OK);
    } catch (cause) {
      throw new StorageError(`${this.#file} is not readable and writable`, { cause });
    }
  }

  /** Waits for queued changes to finish. */
  override async close(): Promise<void> {
    await super.close();
    await this.#queue;
  }

  protected override change<R>(apply: (draft: Draft, now: number) => R): Promise<R> {
    return this.#serialise(() => super.change(apply));
  }

  protected override async commit(next: State): Promise<void> {
    this.#db.data = toFile(next);
    await this.#db.write();
    this.state = next;
  }

  #serialise<R>(task: () => Promise<R>): Promise<R> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #read(): Promise<State | null> {
    let data: unknown;
    try {
      data = await this.#db.adapter.read();
    } catch (cause) {
      throw new StorageError(`cannot read ${this.#file}`, { cause });
    }
    return data === null ? null : fromFile(data, this.#file);
  }
}

function toFile(state: State): FileData {
  const kinds = Object.fromEntries([...state].map(([kind, rows]) => [kind, Object.fromEntries(rows)]));
  return { version: FILE_VERSION, kinds };
}

/** Validates the parsed file. Kinds the schema does not know are kept, not dropped. */
function fromFile(data: unknown, file: string): State {
  const invalid = (): StorageError => new StorageError(`${file} is not a Lanyard storage file`);
  if (!isObject(data) || !isObject(data.kinds)) throw invalid();
  if (data.version !== FILE_VERSION) {
    throw new StorageError(`${file} has layout version ${String(data.version)}; this release reads version ${FILE_VERSION}`);
  }
  const state = new Map<string, Map<string, Row>>();
  for (const [kind, rows] of Object.entries(data.kinds)) {
    if (!isObject(rows)) throw invalid();
    const records = new Map<string, Row>();
    for (const [id, row] of Object.entries(rows)) {
      if (!isObject(row) || !('value' in row)) throw invalid();
      const value = row.value as Json;
      const { expiresAt } = row;
      if (expiresAt === undefined) records.set(id, { value });
      else if (typeof expiresAt === 'number' && Number.isFinite(expiresAt)) records.set(id, { value, expiresAt });
      else throw invalid();
    }
    state.set(kind, records);
  }
  return state;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
