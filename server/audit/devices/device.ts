/** What the broker needs from an audit device: write one line, reopen, close. */
export interface AuditSink {
  /** Resolves once the line is handed to the OS; rejects when it could not be. */
  write(line: string): Promise<void>;
  /** Reopen the target (a file after logrotate moved it). */
  reopen(): void;
  close(): Promise<void>;
}
