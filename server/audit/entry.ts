/**
 * One audit event, as Vault lays it out (one JSON line each):
 *
 *   {"time","type":"request"|"response","auth":{…},"request":{…},"response":{…},"error"}
 *
 * An event is built once with its secrets marked (`Secret`), then rendered per device with that
 * device's salt: each device's file shows only its own HMACs.
 */
import { hashStrings } from './salt.js';

/** A value that is written only as its HMAC: a whole subtree of strings, or one string. */
export class Secret {
  constructor(readonly value: unknown) {}
}
// Absent values come back undefined, and the sections below accept that: renderEvent writes them
// through JSON.stringify, which drops undefined keys, so callers need not branch on each field.
export const secret = (value: unknown): Secret | undefined => (value === undefined || value === null || value === '' ? undefined : new Secret(value));

export interface AuditAuth {
  readonly client_token?: Secret | undefined;
  readonly accessor?: Secret | undefined;
  readonly display_name?: string;
  readonly policies?: readonly string[];
  readonly token_policies?: readonly string[];
  readonly identity_policies?: readonly string[];
  readonly metadata?: Secret | undefined;
  readonly entity_id?: string;
  readonly token_type?: string;
  readonly token_ttl?: number;
}

export interface AuditRequest {
  readonly id: string;
  readonly operation: string;
  readonly mount_type?: string;
  readonly path: string;
  readonly remote_address: string;
  readonly client_token?: Secret | undefined;
  readonly client_token_accessor?: Secret | undefined;
  readonly data?: Secret | undefined;
}

export interface AuditResponse {
  readonly mount_type?: string;
  readonly status?: number;
  readonly auth?: AuditAuth;
  readonly data?: Secret | undefined;
  readonly redirect?: Secret | undefined;
}

/** What an OIDC provider reported for the request (client, entity, scopes, error): not secret. */
export interface ProviderNote {
  readonly provider: string;
  readonly event: string;
  readonly client_id?: string;
  readonly grant_type?: string;
  readonly scope?: string;
  readonly entity_id?: string;
  readonly error?: string;
}

export interface AuditEvent {
  readonly type: 'request' | 'response';
  readonly time: Date;
  /** Undefined for an unauthenticated request. */
  readonly auth?: AuditAuth | undefined;
  readonly request: AuditRequest;
  readonly response?: AuditResponse;
  readonly error?: string;
  /** Lanyard's stable reason code for a refused login or grant (machine login, OIDC grants). */
  readonly reason?: string;
  readonly oidc?: ProviderNote;
}

/**
 * The event as one JSON line, its secrets HMAC'd with `hash`. `memo` (one per device) keeps the
 * rendered text of `auth` and `request` sections by object, so a response entry that reuses its
 * request entry's sections costs no second round of HMACs; within one line, a secret that appears
 * twice (a token's accessor) is hashed once.
 */
export function renderEvent(event: AuditEvent, hash: (text: string) => string, memo?: WeakMap<object, string>): string {
  const seen = new Map<string, string>();
  const once = (text: string): string => {
    let hashed = seen.get(text);
    if (hashed === undefined) {
      hashed = hash(text);
      seen.set(text, hashed);
    }
    return hashed;
  };
  const section = (value: object): string => {
    const kept = memo?.get(value);
    if (kept !== undefined) return kept;
    const text = JSON.stringify(resolveSecrets(value, once));
    memo?.set(value, text);
    return text;
  };
  let line = `{"time":${JSON.stringify(event.time.toISOString())},"type":${JSON.stringify(event.type)}`;
  if (event.auth !== undefined) line += `,"auth":${section(event.auth)}`;
  line += `,"request":${section(event.request)}`;
  if (event.response !== undefined) line += `,"response":${JSON.stringify(resolveSecrets(event.response, once))}`;
  if (event.error !== undefined) line += `,"error":${JSON.stringify(event.error)}`;
  if (event.reason !== undefined) line += `,"reason":${JSON.stringify(event.reason)}`;
  if (event.oidc !== undefined) line += `,"oidc":${JSON.stringify(event.oidc)}`;
  return `${line}}\n`;
}

/** A copy with every Secret replaced by its HMAC'd form, through nested plain objects. */
function resolveSecrets(value: object, hash: (text: string) => string): unknown {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item instanceof Secret) out[key] = hashStrings(item.value, hash);
    else if (item !== null && typeof item === 'object' && !Array.isArray(item)) out[key] = resolveSecrets(item, hash);
    else out[key] = item;
  }
  return out;
}
