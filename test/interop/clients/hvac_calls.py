"""hvac (Debian's python3-hvac) against a real Lanyard: the calls Vault scripts make, with hvac's
default arguments (which send JSON null for every optional field). Prints one JSON object of
results; any exception fails the run with its message. Env: LANYARD_ADDR, LANYARD_TOKEN."""
import json
import os
import sys

import hvac

addr, root = os.environ["LANYARD_ADDR"], os.environ["LANYARD_TOKEN"]
client = hvac.Client(url=addr, token=root)
out = {"hvac_version": getattr(hvac, "__version__", "unknown")}

out["is_authenticated"] = client.is_authenticated()
out["is_sealed"] = client.sys.is_sealed()
out["is_initialized"] = client.sys.is_initialized()
out["seal_status"] = client.sys.read_seal_status()
out["leader"] = client.sys.read_leader_status()
out["health"] = client.sys.read_health_status(method="GET")
out["mounts"] = sorted(client.sys.list_mounted_secrets_engines()["data"].keys())

# userpass is built in: enabling it is accepted (with a warning), listing shows it.
enabled = client.sys.enable_auth_method(method_type="userpass")
out["enable_userpass_status"] = getattr(enabled, "status_code", 200)
out["auth_methods"] = sorted(client.sys.list_auth_methods()["data"].keys())
out["userpass_tuning"] = client.sys.read_auth_method_tuning(path="userpass")["data"]

# Tokens: the newer and the legacy call (which sends meta=None).
created = client.auth.token.create(policies=["default"], ttl="1h")
out["token_create"] = {k: created["auth"][k] for k in ("policies", "lease_duration", "renewable")}
legacy = client.create_token(policies=["default"], lease="30m")
out["legacy_token_create"] = {k: legacy["auth"][k] for k in ("policies", "lease_duration")}
looked = client.lookup_token(legacy["auth"]["client_token"])
out["token_lookup_ttl"] = looked["data"]["ttl"]

# userpass user and login.
client.auth.userpass.create_or_update_user(username="hvac-user", password="hvac-password-123", policies=["default"])
login = hvac.Client(url=addr).auth.userpass.login(username="hvac-user", password="hvac-password-123")
out["userpass_login"] = {"policies": login["auth"]["policies"], "has_entity": bool(login["auth"]["entity_id"])}
entity_id = login["auth"]["entity_id"]

# Entities and groups with hvac's default (None) arguments.
made = client.secrets.identity.create_or_update_entity(name="hvac-entity", metadata={"email": "hvac@example.com"})
hvac_entity = made["data"]["id"]
group = client.secrets.identity.create_or_update_group(name="hvac-group", member_entity_ids=[hvac_entity, entity_id])
out["group_created"] = bool(group["data"]["id"])
out["group_read"] = client.secrets.identity.read_group_by_name(name="hvac-group")["data"]["member_entity_ids"]
found = client.secrets.identity.lookup_entity(name="hvac-entity")
out["lookup_entity"] = {"id_matches": found["data"]["id"] == hvac_entity, "group_ids": found["data"]["group_ids"]}
out["lookup_group"] = client.secrets.identity.lookup_group(name="hvac-group")["data"]["name"]
accessor = client.sys.list_auth_methods()["data"]["userpass/"]["accessor"]
by_alias = client.secrets.identity.lookup_entity(alias_name="hvac-user", alias_mount_accessor=accessor)
out["lookup_by_alias"] = by_alias["data"]["id"] == entity_id
missing = client.secrets.identity.lookup_entity(name="nobody-here")
out["lookup_missing"] = getattr(missing, "status_code", missing)

# A named key, a role and an identity token for the userpass user's token.
client.secrets.identity.create_named_key(name="hvac-key", allowed_client_ids=["*"], algorithm="ES256")
client.secrets.identity.create_or_update_role(name="hvac-role", key="hvac-key", ttl="10m")
client.sys.create_or_update_policy(name="hvac-id", policy='path "identity/oidc/token/*" { capabilities = ["read"] }')
client.auth.userpass.create_or_update_user(username="hvac-user", password="hvac-password-123", policies=["default", "hvac-id"])
user = hvac.Client(url=addr)
user.auth.userpass.login(username="hvac-user", password="hvac-password-123")
token = user.secrets.identity.generate_signed_id_token(name="hvac-role")
out["identity_token_parts"] = len(token["data"]["token"].split("."))

json.dump(out, sys.stdout)
