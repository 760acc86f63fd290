// Screenshots of the MFA code page and the passkey button for the README (needs `npm run build` and /usr/bin/chromium).
import { chromium } from 'playwright-core';
const root = process.cwd();
const { codePage } = await import(`${root}/dist/server/oidc/provider/views/code.js`);
const { loginPage } = await import(`${root}/dist/server/oidc/provider/views/login.js`);
const { securityPage } = await import(`${root}/dist/server/oidc/provider/views/security.js`);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 520, height: 640 } });
const shots = [
  ['mfa-code-page.png', codePage({ clientName: 'Team wiki', accountName: 'alice', action: '#', abortAction: '#', csrf: 'x', digits: 6 })],
  ['mfa-code-page-wrong.png', codePage({ clientName: 'Team wiki', accountName: 'alice', action: '#', abortAction: '#', csrf: 'x', digits: 6, error: 'That code is not right. Check the code your authenticator app shows for this account and try again. 4 attempts left.' })],
  ['security-page.png', securityPage({ base: '#', csrf: 'x', who: 'alice', notice: 'Passkey added.', passkeys: [
    { id: '1', name: 'Work laptop', created: '2026-12-01T09:00:00Z', lastUsed: '2026-12-04T08:12:00Z' },
    { id: '2', name: 'Phone', created: '2026-12-04T10:00:00Z', lastUsed: '' },
  ] })],
  ['passkey-sign-in.png', loginPage({ clientName: 'Team wiki', action: '#', abortAction: '#', csrf: 'x', passkey: { action: '#', optionsUrl: '#', scriptUrl: 'data:,' } })],
];
for (const [file, html] of shots) {
  await page.setContent(html);
  await page.screenshot({ path: `${root}/docs/images/${file}`, fullPage: true });
}
await browser.close();
