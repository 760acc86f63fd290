/** The admin-client commands (everything but `server`), shaped like Vault's CLI. */
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerAuditCommands } from './audit.js';
import { registerSnapshotCommands } from './snapshot.js';
import { registerDeleteCommand } from './delete.js';
import { registerListCommand } from './list.js';
import { registerLoginCommand } from './login.js';
import { registerOidcAuthCommands } from './oidc_auth.js';
import { registerOperatorCommands } from './operator.js';
import { registerPolicyCommands } from './policy.js';
import { registerReadCommand } from './read.js';
import { registerStatusCommand } from './status.js';
import { registerTokenCommands } from './token.js';
import { registerWriteCommand } from './write.js';

export function registerClientCommands(program: Command, io: CliIo): void {
  registerOperatorCommands(program, io);
  registerStatusCommand(program, io);
  registerLoginCommand(program, io);
  registerReadCommand(program, io);
  registerListCommand(program, io);
  registerWriteCommand(program, io);
  registerDeleteCommand(program, io);
  registerTokenCommands(program, io);
  registerPolicyCommands(program, io);
  registerOidcAuthCommands(program, io);
  registerAuditCommands(program, io);
  registerSnapshotCommands(program, io);
}
