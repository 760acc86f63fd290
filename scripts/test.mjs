#!/usr/bin/env node
// `npm test`: type-check, then the jest suite (ESM mode), then one closing line
// `N passed, N failed` computed from jest's JSON report (CI reads that line).
// Extra arguments go to jest: `npm test -- test/storage`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestDeps } from './test_deps.mjs';

const bin = (name) => join(process.cwd(), 'node_modules', '.bin', name);
const run = (cmd, args, env = process.env) => spawnSync(cmd, args, { stdio: 'inherit', env }).status ?? 1;

console.log('> tsc --noEmit');
if (run(bin('tsc'), ['--noEmit']) !== 0) {
  console.log('type-check failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// Chromium and the interop clients, installed like CI does when possible (scripts/test_deps.mjs).
const deps = ensureTestDeps(process.argv.slice(2).filter((arg) => !arg.startsWith('-')));
if (deps.error) {
  console.log(`npm test: ${deps.error}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'lanyard-jest-'));
const report = join(dir, 'report.json');
const env = {
  ...process.env,
  ...deps.env,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --disable-warning=ExperimentalWarning`.trim(),
};
console.log('> jest');
const status = run(bin('jest'), ['--json', `--outputFile=${report}`, ...process.argv.slice(2)], env);
let passed = 0;
let failed = 0;
try {
  const result = JSON.parse(readFileSync(report, 'utf8'));
  passed = result.numPassedTests;
  // Suites that fail to load count as failures too: they ran no test but did not pass.
  failed = result.numFailedTests + result.numRuntimeErrorTestSuites;
} catch {
  failed = 1;
}
rmSync(dir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(status === 0 && failed === 0 ? 0 : 1);
