// A minimal relying party (openid-client 6) for an app registered with register-app.sh.
//
//   ISSUER=… CLIENT_ID=… CLIENT_SECRET=… node examples/relying-party.mjs
//     opens http://127.0.0.1:3000: "Sign in" → Lanyard's login and consent pages → the callback
//     prints the ID token claims and userinfo.
//   … USER_TOKEN=lys.… node examples/relying-party.mjs --token
//     runs the same code flow without a browser: the authorize request carries the user's Lanyard
//     token, so Lanyard answers with the redirect at once (no login or consent page).
import { createServer } from 'node:http';
import * as client from 'openid-client';

const { ISSUER, CLIENT_ID, CLIENT_SECRET, USER_TOKEN } = process.env;
const REDIRECT_URI = process.env.REDIRECT_URI ?? 'http://127.0.0.1:3000/callback';
if (!ISSUER || !CLIENT_ID || !CLIENT_SECRET) {
  console.error('set ISSUER, CLIENT_ID and CLIENT_SECRET (printed by examples/register-app.sh)');
  process.exit(1);
}
const options = new URL(ISSUER).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {};
const config = await client.discovery(new URL(ISSUER), CLIENT_ID, CLIENT_SECRET, undefined, options);
const scope = 'openid profile';

function authorizationUrl(verifier, state) {
  return client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: verifier.challenge,
    code_challenge_method: 'S256',
    state,
  });
}

async function finish(callbackUrl, verifier, state) {
  const tokens = await client.authorizationCodeGrant(config, new URL(callbackUrl), { pkceCodeVerifier: verifier.value, expectedState: state });
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  return { claims, userinfo };
}

async function newVerifier() {
  const value = client.randomPKCECodeVerifier();
  return { value, challenge: await client.calculatePKCECodeChallenge(value) };
}

if (process.argv.includes('--token')) {
  if (!USER_TOKEN) throw new Error('set USER_TOKEN to a Lanyard token bound to an assigned entity');
  const verifier = await newVerifier();
  const state = client.randomState();
  const answer = await fetch(authorizationUrl(verifier, state), { headers: { 'X-Vault-Token': USER_TOKEN }, redirect: 'manual' });
  const location = answer.headers.get('location');
  if (!location?.startsWith(REDIRECT_URI)) throw new Error(`expected a redirect to ${REDIRECT_URI}, got ${answer.status} ${location}`);
  console.log(JSON.stringify(await finish(location, verifier, state), null, 2));
} else {
  const pending = new Map();
  createServer(async (req, res) => {
    const url = new URL(req.url, REDIRECT_URI);
    if (url.pathname === new URL(REDIRECT_URI).pathname) {
      const verifier = pending.get(url.searchParams.get('state'));
      if (!verifier) return void res.writeHead(400).end('unknown state');
      pending.delete(url.searchParams.get('state'));
      const result = await finish(url, verifier, url.searchParams.get('state')).catch((err) => ({ error: String(err) }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result, null, 2));
    } else {
      const verifier = await newVerifier();
      const state = client.randomState();
      pending.set(state, verifier);
      res.writeHead(302, { location: authorizationUrl(verifier, state).href }).end();
    }
  }).listen(new URL(REDIRECT_URI).port || 80, '127.0.0.1', () => console.log(`open http://127.0.0.1:${new URL(REDIRECT_URI).port}/ to sign in`));
}
