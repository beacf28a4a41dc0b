// End to end: each example project under examples/ run by the Pulumi CLI built from Go modules,
// with a local file backend, against the harness control plane and the real controllers (Envoy
// Gateway + Envoy, cert-manager: test/infra/controllers.ts); then the release tarballs installed
// into projects outside the repository (install.suite.ts). All suites share one control plane (and
// the multi-cluster and platform suites each start another one with its own controllers); each example works in its
// own namespace and with its own hostnames (the Gateways share one Envoy: equal hostnames would
// conflict). The acme suite adds its own pebble (ACME CA), which validates dns-01 challenges against
// the PowerDNS started here.
import { afterAll, beforeAll, expect, it } from "vitest";
import { DOMAIN_RECORD_LABEL } from "../../provider/lifecycle/domain/domain-record";
import { getControllers, type Controllers } from "../infra/controllers.ts";
import { startPowerDns, type PowerDns } from "../infra/powerdns.ts";
import { acmeSuite } from "./acme.suite.ts";
import { basicSuite } from "./basic.suite.ts";
import { beyondNsoSuite } from "./beyond-nso.suite.ts";
import { ensureNamespace } from "./cluster.ts";
import { CLAIMS_NAMESPACE, timings, type E2eContext } from "./context.ts";
import { DOMAIN_RECORD_LABEL as DNS_ACTOR_LABEL, startDnsActor, type DnsActor } from "./dns-actor.ts";
import { dynamicSuite } from "./dynamic.suite.ts";
import { grpcSuite } from "./grpc.suite.ts";
import { installSuite } from "./install.suite.ts";
import { multiClusterSuite } from "./multi-cluster.suite.ts";
import { platformSuite } from "./platform.suite.ts";
import { policiesSuite } from "./policies.suite.ts";
import { yamlSuite } from "./yaml.suite.ts";

let rc: Controllers;
let dns: PowerDns;
let dnsActor: DnsActor;

beforeAll(async () => {
  rc = await getControllers();
  // Domains verify for real: the DNS actor publishes each Domain's TXT record in this PowerDNS,
  // which the examples name in the provider's `dnsServers`.
  dns = await startPowerDns();
  dnsActor = await startDnsActor(rc.cp.kc, dns);
  await ensureNamespace(rc.cp.kc, CLAIMS_NAMESPACE);
}, 240_000);

afterAll(async () => {
  dnsActor?.stop();
  await dns?.stop();
  await rc?.stop();
  if (Object.keys(timings).length > 0) {
    console.log(`[e2e] examples/basic wall times: ${Object.entries(timings).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join(", ")}`);
  }
});

const ctx = (): E2eContext => ({ cp: rc.cp, controllers: rc, dnsServer: dns.dnsAddress, powerDns: dns });

it("the DNS actor follows the provider's Domain records", () => {
  expect(DNS_ACTOR_LABEL).toBe(DOMAIN_RECORD_LABEL);
});

basicSuite(ctx);
policiesSuite(ctx);
grpcSuite(ctx);
beyondNsoSuite(ctx);
dynamicSuite(ctx);
yamlSuite(ctx);
multiClusterSuite(ctx);
platformSuite();
acmeSuite(ctx);
installSuite(ctx);
