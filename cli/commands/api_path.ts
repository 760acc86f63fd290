/**
 * A PATH argument as the API's logical path: `sys/policies/acl/x`, `/sys/…` and `v1/sys/…` (or
 * `/v1/sys/…`, as copied from a curl line) all name the same thing.
 */
import { usageError } from './cli_error.js';

export function apiPath(raw: string): string {
  const path = raw.replace(/^\/+/, '').replace(/^v1\//, '').replace(/^\/+/, '');
  if (path === '' || path === 'v1') throw usageError('missing PATH (e.g. sys/policies/acl/default)');
  // The URL parser would resolve these away and quietly address a different path.
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw usageError(`PATH ${JSON.stringify(raw)} must not contain "." or ".." segments`);
  }
  return path;
}
