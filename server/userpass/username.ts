/** Userpass input rules: usernames are case-insensitive, passwords bounded. */
import { invalidRequest } from '../errors.js';

const MAX_USERNAME_LENGTH = 256;
const MAX_PASSWORD_BYTES = 1024;

/**
 * The stored form of a username from the path (the router has already matched Vault's name
 * pattern). Vault lowercases userpass usernames, so `Alice` and `alice` are one user.
 */
export function usernameOf(raw: string | undefined): string {
  const username = (raw ?? '').toLowerCase();
  if (username === '' || username.length > MAX_USERNAME_LENGTH) throw invalidRequest(`username must be 1 to ${MAX_USERNAME_LENGTH} characters`);
  return username;
}

/** A password to hash or verify: present and at most 1024 bytes of UTF-8 (scrypt input stays cheap). */
export function checkPassword(password: string): string {
  if (password === '') throw invalidRequest('missing password');
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) throw invalidRequest(`password must be at most ${MAX_PASSWORD_BYTES} bytes`);
  return password;
}
