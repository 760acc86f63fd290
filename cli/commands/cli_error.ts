/**
 * A failure a command has already put into words. `runCli` prints the message to stderr as is and
 * exits with the code: 1 for usage mistakes, 2 for everything the server or the environment refused
 * (Vault's convention, which scripts test for).
 */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, exitCode = 2) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** A usage mistake: wrong arguments or option values (exit 1). */
export const usageError = (message: string): CliError => new CliError(`Error: ${message}`, 1);
