/**
 * Enabled audit devices, kept in the configuration store (kind `audit_device`, id = the device
 * path without its trailing `/`). Each record holds the device's HMAC key sealed with the master
 * key, bound to the device path, so a copy of the store reveals neither the key nor any hashed
 * secret.
 */
import type { Seal } from '../../keys/seal.js';
import type { Storage } from '../../storage/types.js';

export const AUDIT_KIND = 'audit_device';

export interface AuditDeviceRecord {
  readonly path: string;
  readonly type: 'file' | 'socket';
  readonly description: string;
  readonly options: Readonly<Record<string, string>>;
  readonly local: boolean;
  /** The HMAC key, sealed (`lyseal:v1:…`). */
  readonly salt: string;
  readonly created_at: string;
}

export const saltContext = (path: string): string => `audit-device:${path}:salt`;

export class AuditDeviceStore {
  constructor(
    readonly storage: Storage,
    readonly seal: Seal,
  ) {}

  async list(): Promise<AuditDeviceRecord[]> {
    return (await this.storage.list<AuditDeviceRecord>(AUDIT_KIND)).map((entry) => entry.value);
  }

  async create(record: Omit<AuditDeviceRecord, 'salt'>, salt: Buffer): Promise<AuditDeviceRecord> {
    const stored: AuditDeviceRecord = { ...record, salt: this.seal.seal(salt.toString('base64'), saltContext(record.path)) };
    await this.storage.create(AUDIT_KIND, record.path, stored);
    return stored;
  }

  async delete(path: string): Promise<boolean> {
    return this.storage.delete(AUDIT_KIND, path);
  }

  openSalt(record: AuditDeviceRecord): Buffer {
    return Buffer.from(this.seal.open(record.salt, saltContext(record.path)), 'base64');
  }
}
