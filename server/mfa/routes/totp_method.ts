/**
 * TOTP methods, Vault's `identity/mfa/method/totp`: `POST` (no id) creates one and answers its
 * `method_id`; `GET|POST|DELETE .../:method_id` read, update and delete; `LIST` gives ids with
 * `key_info`. `identity/mfa/method` lists and reads methods of every type (only TOTP here).
 *
 * Validation follows Vault's (issuer required, period and key_size positive, SHA1/SHA256/SHA512,
 * 6 or 8 digits, skew 0 or 1), with upper bounds Vault lacks so one write cannot make every later
 * QR code or secret huge. An update changes the fields it sends and keeps the others (Vault resets
 * unsent fields to their defaults, which silently undoes settings). Deleting a method an
 * enforcement names is refused; deleting one removes every secret enrolled for it.
 */
import { invalidRequest, notFound } from '../../errors.js';
import { definePath, lowerCased, type VaultPath } from '../../http/vault_path.js';
import type { Services } from '../../services.js';
import { uuid } from '../../util/random.js';
import { allEnforcements, allMethods, methodData, readMethod } from '../records.js';
import { MFA_KINDS, type TotpAlgorithm, type TotpMethodRecord, type TotpSecretRecord } from '../types.js';
import { withMfaWriteLock } from '../write_lock.js';

const fields = {
  method_name: { type: 'string', max: 256 },
  issuer: { type: 'string', max: 256 },
  period: { type: 'duration' },
  key_size: { type: 'int' },
  qr_size: { type: 'int' },
  algorithm: { type: 'string', max: 16 },
  digits: { type: 'int' },
  skew: { type: 'int' },
  max_validation_attempts: { type: 'int' },
} as const;
type Input = { -readonly [K in keyof typeof fields]?: (typeof fields)[K]['type'] extends 'string' ? string : number };

const DEFAULTS = { period: 30, key_size: 20, qr_size: 200, algorithm: 'SHA1', digits: 6, skew: 1, max_validation_attempts: 5 } as const;
const LIMITS = { period: 3600, key_size: 128, qr_size: 2048, max_validation_attempts: 100 } as const;
const ALGORITHMS: readonly TotpAlgorithm[] = ['SHA1', 'SHA256', 'SHA512'];
const mountType = 'identity';

/** A method from the stored one (or none) and the sent fields; Vault's message for the first problem. */
export function buildMethod(id: string, stored: TotpMethodRecord | undefined, input: Input): TotpMethodRecord {
  const issuer = input.issuer ?? stored?.issuer ?? '';
  if (issuer === '') throw invalidRequest('issuer must be set');
  const period = input.period ?? stored?.period ?? DEFAULTS.period;
  if (period <= 0) throw invalidRequest('period must be greater than zero');
  if (period > LIMITS.period) throw invalidRequest(`period must be at most ${LIMITS.period} seconds`);
  const keySize = input.key_size ?? stored?.key_size ?? DEFAULTS.key_size;
  if (keySize <= 0) throw invalidRequest('key_size must be greater than zero');
  if (keySize > LIMITS.key_size) throw invalidRequest(`key_size must be at most ${LIMITS.key_size}`);
  const qrSize = input.qr_size ?? stored?.qr_size ?? DEFAULTS.qr_size;
  if (qrSize < 0) throw invalidRequest('qr_size must not be negative');
  if (qrSize > LIMITS.qr_size) throw invalidRequest(`qr_size must be at most ${LIMITS.qr_size}`);
  const algorithm = input.algorithm ?? stored?.algorithm ?? DEFAULTS.algorithm;
  if (!(ALGORITHMS as readonly string[]).includes(algorithm)) throw invalidRequest('unrecognized algorithm');
  const digits = input.digits ?? stored?.digits ?? DEFAULTS.digits;
  if (digits !== 6 && digits !== 8) throw invalidRequest('digits can only be 6 or 8');
  const skew = input.skew ?? stored?.skew ?? DEFAULTS.skew;
  if (skew !== 0 && skew !== 1) throw invalidRequest('skew must be 0 or 1');
  let attempts = input.max_validation_attempts ?? stored?.max_validation_attempts ?? DEFAULTS.max_validation_attempts;
  if (attempts < 0) throw invalidRequest('max_validation_attempts must be greater than zero');
  if (attempts === 0) attempts = DEFAULTS.max_validation_attempts;
  if (attempts > LIMITS.max_validation_attempts) throw invalidRequest(`max_validation_attempts must be at most ${LIMITS.max_validation_attempts}`);
  return {
    id,
    type: 'totp',
    method_name: input.method_name ?? stored?.method_name ?? '',
    issuer,
    period,
    key_size: keySize,
    qr_size: qrSize,
    algorithm: algorithm as TotpAlgorithm,
    digits,
    skew,
    max_validation_attempts: attempts,
  };
}

export function totpMethodPaths(services: Services): VaultPath[] {
  const { storage } = services;

  const write = (id: string, input: Input, mustExist: boolean) =>
    withMfaWriteLock(storage, async () => {
      const stored = await readMethod(storage, id);
      if (mustExist && !stored) throw notFound(`MFA method ${id} does not exist`);
      const method = buildMethod(id, stored, input);
      if (method.method_name !== '') {
        const clash = (await allMethods(storage)).find((m) => m.id !== id && m.method_name === method.method_name);
        if (clash) throw invalidRequest(`method name ${JSON.stringify(method.method_name)} is already in use`);
      }
      await storage.put(MFA_KINDS.method, id, method);
    });

  const listData = async () => {
    const methods = await allMethods(storage);
    return { data: { keys: methods.map((m) => m.id), key_info: Object.fromEntries(methods.map((m) => [m.id, methodData(m)])) } };
  };

  const read = async (id: string) => {
    const method = await readMethod(storage, id);
    return method && { data: methodData(method) };
  };

  const collection = definePath({
    pattern: '/identity/mfa/method/totp',
    fields,
    mountType,
    operations: {
      list: listData,
      // Vault's path has no existence check, so a POST here is an update operation (ACL `update`).
      update: async (req) => {
        const id = uuid();
        await write(id, req.data, false);
        return { data: { method_id: id } };
      },
    },
  });

  const item = definePath({
    pattern: '/identity/mfa/method/totp/:method_id',
    // Method ids are lower-case UUIDs; folding the case keeps `totp/GENERATE` from reaching this
    // route under an ACL path other than `totp/generate`'s.
    canonicalParams: { method_id: lowerCased },
    fields,
    mountType,
    operations: {
      read: (req) => read(req.params.method_id as string),
      update: async (req) => {
        await write(req.params.method_id as string, req.data, true);
      },
      delete: async (req) => {
        const id = req.params.method_id as string;
        await withMfaWriteLock(storage, async () => {
          const users = (await allEnforcements(storage)).filter((e) => e.mfa_method_ids.includes(id)).map((e) => e.name);
          if (users.length > 0) throw invalidRequest(`unable to delete MFA method ${id}: it is used by login enforcements: ${users.join(', ')}`);
          for (const secret of await storage.findBy<TotpSecretRecord>(MFA_KINDS.totpSecret, 'method', id)) {
            await storage.delete(MFA_KINDS.totpSecret, secret.id);
          }
          await storage.delete(MFA_KINDS.method, id);
        });
      },
    },
  });

  const anyType = definePath({ pattern: '/identity/mfa/method', mountType, operations: { list: listData } });
  const anyTypeItem = definePath({
    pattern: '/identity/mfa/method/:method_id',
    canonicalParams: { method_id: lowerCased },
    mountType,
    operations: { read: (req) => read(req.params.method_id as string) },
  });

  return [collection, anyType, anyTypeItem, item];
}
