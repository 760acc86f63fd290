/** Helpers for the audit suites: reading an audit file and enabling devices over HTTP. */
import { expect } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { api, type TestServer } from '../support/server.js';

export interface AuditLine {
  readonly time: string;
  readonly type: 'request' | 'response';
  readonly auth?: Record<string, any>;
  readonly request: Record<string, any>;
  readonly response?: Record<string, any>;
  readonly error?: string;
  readonly reason?: string;
  readonly oidc?: Record<string, any>;
}

export async function readAudit(file: string): Promise<{ text: string; lines: AuditLine[] }> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const lines = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditLine);
  return { text, lines };
}

export async function enableFile(server: TestServer, path: string, filePath: string): Promise<void> {
  const res = await api(server, 'PUT', `/v1/sys/audit/${path}`, { type: 'file', options: { file_path: filePath } });
  expect(res.status).toBe(204);
}

/** `sys/audit-hash` of a value for a device. */
export async function auditHash(server: TestServer, device: string, input: string): Promise<string> {
  const res = await api(server, 'PUT', `/v1/sys/audit-hash/${device}`, { input });
  expect(res.status).toBe(200);
  return res.body.data.hash as string;
}

/** The entries of one request, by the request id the server echoed. */
export const entriesOf = (lines: readonly AuditLine[], requestId: string | null): AuditLine[] => lines.filter((line) => line.request.id === requestId);
