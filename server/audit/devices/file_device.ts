/**
 * The `file` audit device: appends lines to a file (or stdout for `-`) with synchronous writes,
 * so a line is with the OS before the request goes on and a failure is known at once.
 *
 * A failed write or open leaves the device broken; the next write tries to reopen the file first,
 * so the device recovers by itself once the file is writable again. SIGHUP reopens it (logrotate).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { AuditSink } from './device.js';

export class FileDevice implements AuditSink {
  #fd: number | undefined;

  constructor(
    readonly filePath: string,
    readonly mode: number,
  ) {}

  /** Open now: enabling a device whose file cannot be opened must fail at once. */
  open(): void {
    if (this.filePath === '-') return;
    this.#fd = openSync(this.filePath, 'a', this.mode);
  }

  async write(line: string): Promise<void> {
    if (this.filePath === '-') {
      process.stdout.write(line);
      return;
    }
    if (this.#fd === undefined) this.open();
    try {
      writeSync(this.#fd as number, line);
    } catch (error) {
      this.#closeQuietly();
      throw error;
    }
  }

  reopen(): void {
    this.#closeQuietly();
    try {
      this.open();
    } catch {
      // Stays closed; the next write retries the open and fails the request if it still cannot.
    }
  }

  async close(): Promise<void> {
    this.#closeQuietly();
  }

  #closeQuietly(): void {
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
    } catch {
      // Already unusable: nothing to release.
    }
    this.#fd = undefined;
  }
}
