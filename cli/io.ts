/**
 * The streams and environment a CLI run works with. `runCli` receives them and hands them to every
 * command; this module imports nothing from the CLI so that commands can name these types without
 * importing the runner that imports them.
 */

export interface CliOutput {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliInput extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  /** Present on a terminal: lets the password prompt turn echo off. */
  setRawMode?(mode: boolean): unknown;
}

export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  readonly stdin: CliInput;
  readonly env: Readonly<Record<string, string | undefined>>;
}
