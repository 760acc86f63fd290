#!/usr/bin/env bash
# Register an OIDC application with Lanyard end to end: a signing key, a scope, an assignment,
# a user, a client and a provider. Needs LANYARD_ADDR and LANYARD_TOKEN (an admin token) and a
# built checkout (npm run build). Prints the settings a relying party needs.
set -euo pipefail
lanyard() { node "$(dirname "$0")/../dist/cli/main.js" "$@"; }
REDIRECT_URI=${REDIRECT_URI:-http://127.0.0.1:3000/callback}

# 1. A signing key for the app's ID tokens (ES256; the key must allow the client: '*' here).
lanyard write identity/oidc/key/app-key algorithm=ES256 allowed_client_ids='*' >/dev/null
# 2. A scope whose template becomes claims in the ID token and at userinfo. A userpass login
#    creates its entity with a generated name (entity_1a2b3c4d, as Vault does), so the person's
#    name comes from their userpass alias, addressed by the mount's accessor.
ACCESSOR=$(lanyard read -field=accessor sys/auth/userpass)
lanyard write identity/oidc/scope/profile \
  template="{\"name\": {{identity.entity.aliases.$ACCESSOR.name}}, \"email\": {{identity.entity.metadata.email}}, \"groups\": {{identity.entity.groups.names}}}" >/dev/null
# 3. A person: a userpass user, whose first login creates the entity; give the entity an email.
lanyard write auth/userpass/users/alice password=correct-horse >/dev/null
ENTITY_ID=$(lanyard write -field=entity_id auth/userpass/login/alice password=correct-horse)
lanyard write identity/entity/id/"$ENTITY_ID" metadata=email=alice@example.com >/dev/null
# 4. Who may use the app: an assignment with that entity (groups work too).
lanyard write identity/oidc/assignment/app-users entity_ids="$ENTITY_ID" >/dev/null
# 5. The client (confidential; client_type=public for SPAs and CLIs, which must use PKCE).
lanyard write identity/oidc/client/my-app key=app-key redirect_uris="$REDIRECT_URI" \
  assignments=app-users id_token_ttl=1h access_token_ttl=30m >/dev/null
CLIENT_ID=$(lanyard read -field=client_id identity/oidc/client/my-app)
CLIENT_SECRET=$(lanyard read -field=client_secret identity/oidc/client/my-app)
# 6. A provider (issuer) that offers the scope to that client.
lanyard write identity/oidc/provider/my-provider allowed_client_ids="$CLIENT_ID" scopes_supported=profile >/dev/null

cat <<OUT
ISSUER=$LANYARD_ADDR/v1/identity/oidc/provider/my-provider
CLIENT_ID=$CLIENT_ID
CLIENT_SECRET=$CLIENT_SECRET
REDIRECT_URI=$REDIRECT_URI
OUT
