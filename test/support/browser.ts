/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium (or LANYARD_CHROMIUM) driven by playwright-core
 * (never a downloaded browser), with the flags this closed network needs, and the relying party's
 * callback as a real page the browser can land on.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `npm test` finds (or installs) Chromium and passes its path (scripts/test_deps.mjs). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.LANYARD_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export interface CallbackPage {
  readonly url: string;
  close(): Promise<void>;
}

/** The application's callback: answers every request with a small "signed in" page. */
export async function startCallbackPage(): Promise<CallbackPage> {
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<!DOCTYPE html><title>Signed in</title><p>Back at the application.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
