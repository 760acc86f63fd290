"""authlib (Debian's python3-authlib) as a relying party of a real Lanyard provider: discovery,
the authorization code flow with PKCE S256 and client_secret_post (the authorization request
carries the user's Lanyard token, which stands in for the sign-in and consent pages), ID token
verification against the JWKS, userinfo, refresh-token rotation and reuse detection, revocation.
Prints one JSON object. Env: ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, USER_TOKEN."""
import json
import os
import sys

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt

env = os.environ
meta = requests.get(env["ISSUER"] + "/.well-known/openid-configuration", timeout=10).json()
session = OAuth2Session(
    env["CLIENT_ID"], env["CLIENT_SECRET"], scope="openid profile offline_access", redirect_uri=env["REDIRECT_URI"],
    code_challenge_method="S256", token_endpoint_auth_method="client_secret_post",
)
verifier = generate_token(48)
nonce = generate_token(20)
url, state = session.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce, prompt="consent")
answer = requests.get(url, headers={"X-Vault-Token": env["USER_TOKEN"]}, allow_redirects=False, timeout=10)
out = {"authorize_status": answer.status_code}
callback = answer.headers["Location"]
token = session.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
out["token_type"] = token["token_type"]
out["has_refresh_token"] = "refresh_token" in token

claims = jwt.decode(token["id_token"], JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json()),
                    claims_options={"iss": {"essential": True, "value": meta["issuer"]}, "aud": {"essential": True, "value": env["CLIENT_ID"]}, "nonce": {"essential": True, "value": nonce}})
claims.validate()
out["id_token"] = {k: claims.get(k) for k in ("sub", "name", "groups")}
out["id_token_alg"] = claims.header["alg"]
out["userinfo"] = session.get(meta["userinfo_endpoint"], timeout=10).json()

first_refresh = token["refresh_token"]
rotated = session.refresh_token(meta["token_endpoint"], refresh_token=first_refresh)
out["refresh_rotated"] = rotated["refresh_token"] != first_refresh
out["refreshed_id_token_sub"] = jwt.decode(rotated["id_token"], JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())).get("sub")

try:
    session.refresh_token(meta["token_endpoint"], refresh_token=first_refresh)
    out["reuse"] = "accepted"
except OAuthError as err:
    out["reuse"] = err.error
try:
    session.refresh_token(meta["token_endpoint"], refresh_token=rotated["refresh_token"])
    out["after_reuse"] = "accepted"
except OAuthError as err:
    out["after_reuse"] = err.error

# A fresh grant, then revocation of its access token: userinfo refuses it afterwards.
url, state = session.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
callback = requests.get(url, headers={"X-Vault-Token": env["USER_TOKEN"]}, allow_redirects=False, timeout=10).headers["Location"]
fresh = session.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
revoked = session.revoke_token(meta["revocation_endpoint"], fresh["access_token"], token_type_hint="access_token")
out["revoke_status"] = revoked.status_code
out["userinfo_after_revoke"] = requests.get(meta["userinfo_endpoint"], headers={"Authorization": "Bearer " + fresh["access_token"]}, timeout=10).status_code

json.dump(out, sys.stdout)
