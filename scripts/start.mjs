#!/usr/bin/env node
// `npm start`: build when dist/ is missing or older than the sources, then run a dev server.
// Extra arguments go to `lanyard server` (e.g. `npm start -- --data-dir ./data`).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const entry = join('dist', 'cli', 'main.js');
const newest = (dir) => {
  let latest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, name.name);
    if (name.isDirectory()) latest = Math.max(latest, newest(path));
    else if (name.name.endsWith('.ts')) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
};
const sources = Math.max(...['server', 'storage', 'keys', 'cli', 'verifier'].filter(existsSync).map(newest));
if (!existsSync(entry) || statSync(entry).mtimeMs < sources) {
  console.log('Building Lanyard (npm run build)…');
  const built = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
const args = process.argv.slice(2);
const server = spawnSync(process.execPath, [entry, 'server', ...(args.includes('--dev') ? [] : ['--dev']), ...args], { stdio: 'inherit' });
process.exit(server.status ?? 0);
