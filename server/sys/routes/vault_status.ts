/** System paths that Vault clients call to learn what they talk to: seal status, leader, mounts. */
import type { VaultPath } from '../../http/vault_path.js';
import type { Services } from '../../services.js';
import { leaderPaths } from './leader.js';
import { mountsPaths } from './mounts.js';
import { sealStatusPaths } from './seal_status.js';

export function vaultStatusPaths(services: Services): VaultPath[] {
  return [...sealStatusPaths(services), ...leaderPaths(), ...mountsPaths(services)];
}
