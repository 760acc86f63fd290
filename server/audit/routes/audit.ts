/**
 * Vault's audit API, every path behind `sudo` as in Vault:
 *
 *   GET    /v1/sys/audit              enabled devices, keyed `<path>/`
 *   PUT    /v1/sys/audit/:path        enable {type, description, options, local}
 *   DELETE /v1/sys/audit/:path        disable
 *   PUT    /v1/sys/audit-hash/:path   {input} → data.hash, the value as that device writes it
 */
import { isAbsolute } from 'node:path';
import { invalidRequest, LanyardError } from '../../errors.js';
import { definePath, type VaultPath } from '../../http/vault_path.js';
import type { AuditBroker, DeviceSpec } from '../broker.js';
import type { AuditDeviceRecord } from '../device_store.js';
import { hostPort } from '../devices/socket_device.js';

const enableFields = {
  type: { type: 'string', max: 64 },
  description: { type: 'string', max: 1024 },
  options: { type: 'map' },
  local: { type: 'bool' },
} as const;

export function auditPaths(broker: AuditBroker): VaultPath[] {
  return [
    definePath({
      pattern: '/sys/audit',
      mountType: 'system',
      sudo: true,
      operations: {
        read: async () => {
          const data: Record<string, unknown> = {};
          for (const record of broker.list()) data[`${record.path}/`] = view(record);
          return { data };
        },
      },
    }),
    definePath({
      pattern: '/sys/audit/:path',
      fields: enableFields,
      mountType: 'system',
      sudo: true,
      operations: {
        update: async (req) => {
          const path = req.params.path as string;
          if (broker.has(path)) throw invalidRequest('path already in use');
          const spec = deviceSpec(path, req.data);
          try {
            await broker.enable(spec);
          } catch (error) {
            // A system error (ENOENT, EACCES, ECONNREFUSED…): the target is unusable, the request is at fault.
            const code = (error as { code?: unknown } | null)?.code;
            if (!(error instanceof LanyardError) && typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
              throw invalidRequest(`audit device cannot write: ${code}`);
            }
            throw error;
          }
        },
        delete: async (req) => {
          await broker.disable(req.params.path as string);
        },
      },
    }),
    definePath({
      pattern: '/sys/audit-hash/:path',
      fields: { input: { type: 'string', max: 1024 * 1024 } },
      mountType: 'system',
      sudo: true,
      operations: {
        update: async (req) => {
          if (req.data.input === undefined) throw invalidRequest("'input' parameter not supplied");
          const hash = broker.hash(req.params.path as string, req.data.input);
          if (hash === undefined) throw invalidRequest(`unknown audit backend ${req.params.path}`);
          return { data: { hash } };
        },
      },
    }),
  ];
}

function view(record: AuditDeviceRecord): Record<string, unknown> {
  return { type: record.type, description: record.description, options: record.options, local: record.local, path: `${record.path}/` };
}

type EnableData = { type?: string; description?: string; options?: Record<string, unknown>; local?: boolean };

/** Validate an enable request into a device spec; every problem is a 400 that enables nothing. */
export function deviceSpec(path: string, data: EnableData): DeviceSpec {
  const options: Record<string, string> = {};
  for (const [key, value] of Object.entries(data.options ?? {})) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw invalidRequest(`option ${key} must be a string`);
    options[key] = String(value);
  }
  const base = { path, description: data.description ?? '', local: data.local ?? false };
  // Vault's other options (log_raw, hmac_accessor=false, format=jsonx, prefix…) are refused rather
  // than ignored: an operator who asks for them must not believe they apply.
  const supported = data.type === 'socket' ? ['address', 'socket_type'] : ['file_path', 'path', 'mode'];
  const unsupported = Object.keys(options).filter((key) => !supported.includes(key));
  if (data.type !== undefined && unsupported.length > 0) {
    throw invalidRequest(`unsupported option ${unsupported.join(', ')} (supported: ${supported.join(', ')})`);
  }
  if (data.type === 'file') {
    const filePath = options.file_path ?? options.path;
    if (filePath === undefined || filePath === '') throw invalidRequest('file_path is required');
    if (filePath !== '-' && filePath !== 'stdout' && !isAbsolute(filePath)) throw invalidRequest('file_path must be an absolute path, "-" or "stdout"');
    const mode = options.mode ?? '0600';
    if (!/^0?[0-7]{3}$/.test(mode)) throw invalidRequest('mode must be an octal file mode such as 0600');
    return { ...base, type: 'file', options: { ...options, file_path: filePath, mode } };
  }
  if (data.type === 'socket') {
    const socketType = options.socket_type ?? 'tcp';
    if (socketType !== 'tcp' && socketType !== 'unix') throw invalidRequest('socket_type must be tcp or unix');
    const address = options.address;
    if (address === undefined || address === '') throw invalidRequest('address is required');
    if (socketType === 'tcp') {
      try {
        hostPort(address);
      } catch (error) {
        throw invalidRequest((error as Error).message);
      }
    } else if (!isAbsolute(address)) throw invalidRequest('a unix socket address must be an absolute path');
    return { ...base, type: 'socket', options: { ...options, address, socket_type: socketType } };
  }
  if (data.type === undefined || data.type === '') throw invalidRequest('type is required');
  throw invalidRequest(`unknown backend type: ${JSON.stringify(data.type)} (file or socket)`);
}
