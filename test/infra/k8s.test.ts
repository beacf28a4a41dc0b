// The control-plane suite on one real control plane per vitest worker (starting kube-apiserver
// and installing ~25 CRDs costs 5–10 s of 2-core CPU per instance).
import { afterAll } from "vitest";
import { currentControlPlane } from "./controlplane.ts";
import "./controlplane.suite.ts";

afterAll(async () => {
  const cp = await currentControlPlane()?.catch(() => undefined);
  await cp?.stop();
});
