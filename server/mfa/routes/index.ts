/** Every login-MFA path (Vault's shapes): methods, enrolment, enforcements, validation. */
import type { VaultPath } from '../../http/vault_path.js';
import { installSecondFactorGate } from '../../auth/login_steps.js';
import type { Services } from '../../services.js';
import { mfaGate } from '../login_gate.js';
import { loginEnforcementPaths } from './login_enforcement.js';
import { passkeyPaths } from './passkey.js';
import { totpGeneratePaths } from './totp_generate.js';
import { totpMethodPaths } from './totp_method.js';
import { mfaValidatePaths } from './validate.js';

export function mfaPaths(services: Services): VaultPath[] {
  installSecondFactorGate(services, (input) => mfaGate(services, input));
  // The fixed generate paths come before `totp/:method_id`, which would otherwise match them.
  return [...totpGeneratePaths(services), ...totpMethodPaths(services), ...loginEnforcementPaths(services), ...mfaValidatePaths(services), ...passkeyPaths(services)];
}
