#!/usr/bin/env node
/** The `lanyard` command: the server and a Vault-style admin client in one binary. */
import { runCli } from './run.js';

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
// `lanyard server` keeps running after this returns and sets its own exit code on failure.
if (code !== 0) process.exitCode = code;
