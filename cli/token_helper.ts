/**
 * The token file `lanyard login` writes (`~/.lanyard-token`, like Vault's `~/.vault-token`), read
 * when neither LANYARD_TOKEN nor VAULT_TOKEN is set. LANYARD_TOKEN_FILE moves it (tests, several
 * servers). The file holds the token and nothing else and is only ever readable by its owner.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

export function tokenFilePath(env: Env): string {
  const chosen = env.LANYARD_TOKEN_FILE;
  if (chosen !== undefined && chosen !== '') return chosen;
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir();
  return join(home, '.lanyard-token');
}

/** The stored token, or undefined when there is no file (or only whitespace in it). */
export async function readTokenFile(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const token = text.trim();
  return token === '' ? undefined : token;
}

/**
 * Replace the file atomically: a sibling written with mode 0600 and renamed over it, so a reader
 * never sees half a token and an older, looser file mode does not survive.
 */
export async function writeTokenFile(path: string, token: string): Promise<void> {
  const temporary = join(dirname(path), `.lanyard-token.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, token, { mode: 0o600, flag: 'wx' });
    // The umask can only remove bits, but be explicit in case the file system ignored the mode.
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
