/**
 * Enrolling TOTP secrets, Vault's paths:
 * - `identity/mfa/method/totp/generate {method_id}`: self-enrolment for the caller's entity;
 * - `identity/mfa/method/totp/admin-generate {method_id, entity_id}`: the same for any entity;
 * - `identity/mfa/method/totp/admin-destroy {method_id, entity_id}`: forget an entity's secret.
 *
 * Generating answers `barcode` (base64 PNG of `qr_size` pixels) and `url` (otpauth://) once; an
 * entity that already has a secret for the method gets no new one, only Vault's warning, so a
 * stolen token cannot silently re-enrol the owner (an administrator destroys the old one first).
 */
import { AlreadyExistsError } from '../../../storage/errors.js';
import { invalidRequest } from '../../errors.js';
import { definePath, type VaultPath } from '../../http/vault_path.js';
import type { EntityRecord } from '../../identity/types.js';
import type { Services } from '../../services.js';
import { readMethod } from '../records.js';
import { qrPngBase64 } from '../qr.js';
import { generateSecret } from '../totp.js';
import { MFA_KINDS, totpSecretId, type TotpMethodRecord } from '../types.js';

const mountType = 'identity';
const idField = { type: 'string', max: 64 } as const;

export function totpGeneratePaths(services: Services): VaultPath[] {
  const { storage } = services;

  const method = async (id: string | undefined): Promise<TotpMethodRecord> => {
    if (!id) throw invalidRequest('missing method ID');
    const found = await readMethod(storage, id);
    if (!found) throw invalidRequest(`MFA method ${JSON.stringify(id)} does not exist`);
    return found;
  };

  const entity = async (id: string | undefined): Promise<EntityRecord> => {
    if (!id) throw invalidRequest('missing entity ID');
    const found = await storage.get<EntityRecord>('entity', id);
    if (!found) throw invalidRequest('invalid entity ID');
    return found;
  };

  const generate = async (m: TotpMethodRecord, e: EntityRecord) => {
    const { record, url } = generateSecret(services, m, e);
    try {
      await storage.create(MFA_KINDS.totpSecret, totpSecretId(m.id, e.id), record);
    } catch (err) {
      if (err instanceof AlreadyExistsError) return { warnings: [`Entity already has a secret for MFA method ${JSON.stringify(m.id)}`] };
      throw err;
    }
    return { data: { barcode: await qrPngBase64(url, m.qr_size), url } };
  };

  const self = definePath({
    pattern: '/identity/mfa/method/totp/generate',
    fields: { method_id: idField },
    mountType,
    operations: {
      update: async (req) => {
        const m = await method(req.data.method_id);
        const caller = req.auth?.entity;
        if (!caller) throw invalidRequest('the token is not bound to an entity; MFA secrets belong to entities');
        return generate(m, caller);
      },
    },
  });

  const adminGenerate = definePath({
    pattern: '/identity/mfa/method/totp/admin-generate',
    fields: { method_id: idField, entity_id: idField },
    mountType,
    operations: {
      update: async (req) => generate(await method(req.data.method_id), await entity(req.data.entity_id)),
    },
  });

  const adminDestroy = definePath({
    pattern: '/identity/mfa/method/totp/admin-destroy',
    fields: { method_id: idField, entity_id: idField },
    mountType,
    operations: {
      update: async (req) => {
        const m = await method(req.data.method_id);
        const e = await entity(req.data.entity_id);
        await storage.delete(MFA_KINDS.totpSecret, totpSecretId(m.id, e.id));
      },
    },
  });

  return [self, adminGenerate, adminDestroy];
}
