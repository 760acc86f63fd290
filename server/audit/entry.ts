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
export const secret = (value: unknown): Secret | undefined => (value === undefined || value === null || value === '' ? undefined : new Secret(value));

export interface AuditAuth {
  readonly client_token?: Secret;
  readonly accessor?: Secret;
  readonly display_name?: string;
  readonly policies?: readonly string[];
  readonly token_policies?: readonly string[];
  readonly identity_policies?: readonly string[];
  readonly metadata?: Secret;
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
  readonly client_token?: Secret;
  readonly client_token_accessor?: Secret;
  readonly data?: Secret;
}

export interface AuditResponse {
  readonly mount_type?: string;
  readonly status?: number;
  readonly auth?: AuditAuth;
  readonly data?: Secret;
  readonly redirect?: Secret;
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
  readonly auth?: AuditAuth;
  readonly request: AuditRequest;
  readonly response?: AuditResponse;
  readonly error?: string;
  /** Lanyard's stable reason code for a refused login or grant (machine login, OIDC grants). */
  readonly reason?: string;
  readonly oidc?: ProviderNote;
}

/** The event as one JSON line, its secrets HMAC'd with `hash`. */
export function renderEvent(event: AuditEvent, hash: (text: string) => string): string {
  const line = JSON.stringify({ ...event, time: event.time.toISOString() }, (_key, value: unknown) =>
    value instanceof Secret ? hashStrings(value.value, hash) : value,
  );
  return `${line}\n`;
}
