// End to end: each example project under examples/ run by the Pulumi CLI built from Go modules,
// with a local file backend, against the harness control plane and its status actors. All suites
// share one control plane (and the multi-cluster suite starts a second one); each example works in
// its own namespace and with its own hostnames.
import { afterAll, beforeAll } from "vitest";
import { startActors, type ActorGroup } from "../infra/actors/index.ts";
import { getControlPlane, type ControlPlane } from "../infra/controlplane.ts";
import { basicSuite } from "./basic.suite.ts";
import { ensureNamespace } from "./cluster.ts";
import { CLAIMS_NAMESPACE, timings, type E2eContext } from "./context.ts";
import { dynamicSuite } from "./dynamic.suite.ts";
import { multiClusterSuite } from "./multi-cluster.suite.ts";
import { policiesSuite } from "./policies.suite.ts";
import { yamlSuite } from "./yaml.suite.ts";

let cp: ControlPlane;
let actors: ActorGroup;

beforeAll(async () => {
  cp = await getControlPlane();
  actors = startActors(cp.kc);
  await ensureNamespace(cp.kc, CLAIMS_NAMESPACE);
}, 180_000);

afterAll(() => {
  actors?.stop();
  if (Object.keys(timings).length > 0) {
    console.log(`[e2e] examples/basic wall times: ${Object.entries(timings).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join(", ")}`);
  }
});

const ctx = (): E2eContext => ({ cp });

basicSuite(ctx);
policiesSuite(ctx);
dynamicSuite(ctx);
yamlSuite(ctx);
multiClusterSuite(ctx);
