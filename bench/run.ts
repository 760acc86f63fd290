/**
 * `npm run bench [-- NAME ...]`: builds, then runs the benchmarks (all by default) and prints their
 * tables. Figures are only comparable within one run: every table carries its own baseline.
 */
import { runAuditCostBench } from './audit_cost.js';
import { runFoundationBench } from './foundation.js';
import { runIdentityTokenBench } from './identity_tokens.js';
import { runMachineLoginBench } from './machine_login.js';
import { runOidcFlowsBench } from './oidc_flows.js';
import { runReplicasBench } from './replicas.js';

const BENCHES: Record<string, () => Promise<void>> = {
  foundation: runFoundationBench,
  'identity-tokens': runIdentityTokenBench,
  'machine-login': runMachineLoginBench,
  'oidc-flows': () => runOidcFlowsBench(),
  replicas: runReplicasBench,
  'audit-cost': runAuditCostBench,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(1);
}
for (const name of wanted.length > 0 ? wanted : Object.keys(BENCHES)) {
  console.log(`\n=== ${name} (${new Date().toISOString()}, node ${process.version})`);
  await (BENCHES[name] as () => Promise<void>)();
}
