/**
 * The data directory holds the seal key (unless kept elsewhere), the configuration file and the
 * state database: nobody but the server's user has any business listing or reading it. Lanyard
 * creates it with mode 0700 and narrows an existing one to 0700 at start (a directory made by an
 * operator or a container image often is 0755). When that is not possible (another owner, a file
 * system without modes) the server still starts, with a warning saying what to run.
 */
import { chmod as fsChmod, mkdir, stat } from 'node:fs/promises';

const PRIVATE_MODE = 0o700;

export interface DirOperations {
  readonly chmod: (path: string, mode: number) => Promise<void>;
}

/** Creates `dir` if needed and makes it 0700; resolves to a warning when it could not be made so. */
export async function makePrivateDir(dir: string, ops: DirOperations = { chmod: fsChmod }): Promise<string | undefined> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_MODE });
  const mode = (await stat(dir)).mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  try {
    await ops.chmod(dir, PRIVATE_MODE);
    if (((await stat(dir)).mode & 0o077) === 0) return undefined;
  } catch {
    // Reported below, with the mode it still has.
  }
  const now = (await stat(dir)).mode & 0o777;
  return `data dir ${dir} is accessible to other users (mode ${now.toString(8).padStart(4, '0')}) and could not be made private; run: chmod 700 ${dir}`;
}
