/**
 * The `file` audit device: appends lines to a file (or stdout for `-`) with synchronous writes,
 * so a line is with the OS before the request goes on and a failure is known at once. The lines
 * that arrive within one turn of the event loop go out in one write (one system call instead of
 * one per line, which was a third of an audited request's cost); each waits for that write.
 *
 * A failed write or open leaves the device broken; the next write tries to reopen the file first,
 * so the device recovers by itself once the file is writable again. SIGHUP reopens it (logrotate).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { AuditSink } from './device.js';

export class FileDevice implements AuditSink {
  #fd: number | undefined;
  /** Lines waiting for this turn's write. */
  #pending: Array<{ readonly line: string; readonly resolve: () => void; readonly reject: (error: unknown) => void }> = [];

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
    return new Promise((resolve, reject) => {
      this.#pending.push({ line, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    try {
      if (this.#fd === undefined) this.open();
      writeSync(this.#fd as number, batch.map((entry) => entry.line).join(''));
    } catch (error) {
      this.#closeQuietly();
      for (const entry of batch) entry.reject(error);
      return;
    }
    for (const entry of batch) entry.resolve();
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
