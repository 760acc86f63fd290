/**
 * The audit broker: the enabled devices and the one rule that matters, Vault's: while any device
 * is enabled, an event that no device could record fails the request (503) instead of letting it
 * be served unaudited.
 */
import type { Seal } from '../../keys/seal.js';
import type { Storage } from '../../storage/types.js';
import { LanyardError } from '../errors.js';
import type { Logger } from '../log.js';
import { AuditDeviceStore, type AuditDeviceRecord } from './device_store.js';
import type { AuditSink } from './devices/device.js';
import { FileDevice } from './devices/file_device.js';
import { SocketDevice } from './devices/socket_device.js';
import { renderEvent, type AuditEvent } from './entry.js';
import { AuditSalt } from './salt.js';

interface ActiveDevice {
  readonly record: AuditDeviceRecord;
  readonly salt: AuditSalt;
  readonly sink: AuditSink;
  /** Rendered sections by object (entry.ts): a request's response entry reuses its request entry's. */
  readonly memo: WeakMap<object, string>;
}

export type DeviceSpec = Omit<AuditDeviceRecord, 'salt' | 'created_at'>;

export function auditUnavailable(detail: string): LanyardError {
  return new LanyardError('storage_unavailable', 'audit logging failed', { status: 503, detail });
}

export class AuditBroker {
  readonly #devices = new Map<string, ActiveDevice>();
  readonly #store: AuditDeviceStore;
  readonly #log: Logger;

  private constructor(store: AuditDeviceStore, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  /** The broker with the devices the store holds. A device that cannot open now retries on each write. */
  static async open(storage: Storage, seal: Seal, log: Logger): Promise<AuditBroker> {
    const broker = new AuditBroker(new AuditDeviceStore(storage, seal), log);
    for (const record of await broker.#store.list()) {
      const sink = sinkFor(record);
      if (sink instanceof FileDevice) {
        try {
          sink.open();
        } catch (error) {
          log.error('audit device cannot open its file', { device: record.path, error: (error as Error).message });
        }
      }
      broker.#devices.set(record.path, { record, salt: new AuditSalt(broker.#store.openSalt(record)), sink, memo: new WeakMap() });
    }
    return broker;
  }

  get enabled(): boolean {
    return this.#devices.size > 0;
  }

  list(): AuditDeviceRecord[] {
    return [...this.#devices.values()].map((device) => device.record);
  }

  has(path: string): boolean {
    return this.#devices.has(path);
  }

  /** Enable a device: its target must be usable now (an unwritable file is refused, as in Vault). */
  async enable(spec: DeviceSpec): Promise<void> {
    const sink = sinkFor(spec);
    if (sink instanceof FileDevice) sink.open();
    if (sink instanceof SocketDevice) await sink.write('');
    const salt = AuditSalt.generate();
    try {
      const record = await this.#store.create({ ...spec, created_at: new Date().toISOString() }, salt);
      this.#devices.set(spec.path, { record, salt: new AuditSalt(salt), sink, memo: new WeakMap() });
    } catch (error) {
      await sink.close();
      throw error;
    }
  }

  async disable(path: string): Promise<boolean> {
    const device = this.#devices.get(path);
    const existed = await this.#store.delete(path);
    this.#devices.delete(path);
    await device?.sink.close();
    return existed || device !== undefined;
  }

  /** `sys/audit-hash`: the value as the device writes it; undefined for an unknown device. */
  hash(path: string, input: string): string | undefined {
    return this.#devices.get(path)?.salt.hash(input);
  }

  /** Record one event on every device; throws (503) when devices are enabled and none recorded it. */
  async log(event: AuditEvent): Promise<void> {
    if (this.#devices.size === 0) return;
    const devices = [...this.#devices.values()];
    const results = await Promise.allSettled(devices.map((device) => device.sink.write(renderEvent(event, (text) => device.salt.hash(text), device.memo))));
    let written = 0;
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') written++;
      else this.#log.error('audit device failed to write', { device: devices[i]?.record.path, error: (result.reason as Error).message });
    });
    if (written === 0) throw auditUnavailable(`no audit device recorded the ${event.type} (${devices.length} enabled)`);
  }

  /** Replace the devices with those the store now holds (after a snapshot restore). */
  async reload(): Promise<void> {
    const fresh = await AuditBroker.open(this.#store.storage, this.#store.seal, this.#log);
    await this.close();
    this.#devices.clear();
    for (const [path, device] of fresh.#devices) this.#devices.set(path, device);
  }

  /** SIGHUP: reopen every file (after logrotate) and reconnect sockets on their next write. */
  reopen(): void {
    for (const device of this.#devices.values()) device.sink.reopen();
  }

  async close(): Promise<void> {
    await Promise.all([...this.#devices.values()].map((device) => device.sink.close()));
  }
}

function sinkFor(spec: Pick<AuditDeviceRecord, 'type' | 'options'>): AuditSink {
  if (spec.type === 'file') {
    const path = spec.options.file_path as string;
    return new FileDevice(path === 'stdout' ? '-' : path, Number.parseInt(spec.options.mode ?? '0600', 8));
  }
  return new SocketDevice(spec.options.address as string, spec.options.socket_type === 'unix' ? 'unix' : 'tcp');
}
