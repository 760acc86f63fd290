// What `npm test` needs outside node_modules, checked before jest runs: Chromium for the browser
// tests, and the Debian packages of the third-party clients the interop suite drives (hvac,
// authlib, Apache with mod_auth_openidc). When something is missing and this runs as root with
// apt-get, it is installed the way CI does it (.ci/browser-deps, .ci/interop-deps); otherwise the
// run stops with one line saying exactly what to install. Nothing is ever skipped silently.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium'];
const PYTHON = '/usr/bin/python3';
const INTEROP_PACKAGES = 'python3-hvac python3-authlib python3-requests apache2 libapache2-mod-auth-openidc chromium';

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium to drive: LANYARD_CHROMIUM when set, else the first installed candidate. */
export function findChromium(env = process.env) {
  if (env.LANYARD_CHROMIUM) return executable(env.LANYARD_CHROMIUM) ? env.LANYARD_CHROMIUM : undefined;
  return CHROMIUM_CANDIDATES.find(executable);
}

function interopMissing() {
  const missing = [];
  const imports = (mod) => existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${mod}`], { stdio: 'ignore' }).status === 0;
  if (!imports('hvac')) missing.push('python3-hvac');
  if (!imports('authlib, requests')) missing.push('python3-authlib');
  if (!executable('/usr/sbin/apache2')) missing.push('apache2');
  if (!existsSync('/usr/lib/apache2/modules/mod_auth_openidc.so')) missing.push('libapache2-mod-auth-openidc');
  return missing;
}

const canInstall = () => process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
const runScript = (script) => spawnSync('bash', [script], { stdio: 'inherit' }).status === 0;

/**
 * Makes sure what the selected tests need is there. `selectors` are jest's path arguments (none:
 * the whole suite). Returns the environment additions for jest, or an error line.
 */
export function ensureTestDeps(selectors) {
  const all = selectors.length === 0 || selectors.some((s) => /^(\.\/)?test\/?$/.test(s));
  const needsInterop = all || selectors.some((s) => s.includes('interop'));
  const needsBrowser = needsInterop || selectors.some((s) => s.includes('browser'));

  if (needsInterop && interopMissing().length > 0 && canInstall()) runScript('.ci/interop-deps');
  if (needsBrowser && !findChromium() && canInstall()) runScript('.ci/browser-deps');

  const chromium = findChromium();
  if (needsBrowser && !chromium) {
    return {
      error: process.env.LANYARD_CHROMIUM
        ? `LANYARD_CHROMIUM=${process.env.LANYARD_CHROMIUM} is not an executable; point it at Chromium or Chrome`
        : 'the browser tests need Chromium: sudo apt-get install chromium (or set LANYARD_CHROMIUM=/path/to/chrome)',
    };
  }
  const missing = needsInterop ? interopMissing() : [];
  if (missing.length > 0) return { error: `the interop tests need Debian packages: sudo apt-get install ${INTEROP_PACKAGES}` };
  return { env: chromium ? { LANYARD_CHROMIUM: chromium } : {} };
}
