import { test } from "vitest";
import { getControlPlane } from "../infra/controlplane.ts";
import { createKubeClient } from "../../provider/kube/index.ts";
test("restart timing", async () => {
  const cp = await getControlPlane();
  const c = createKubeClient({ kubeconfig: cp.kubeconfig });
  const ns = await cp.newNamespace("x");
  const t0 = Date.now();
  const r = await cp.restartApiserver({ downMs: 1000, signal: "SIGKILL" });
  console.log("restart", r, Date.now() - t0);
  const t1 = Date.now();
  await c.apply({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "g", namespace: ns }, spec: { gatewayClassName: "x", listeners: [{ name: "http", port: 80, protocol: "HTTP" }] } });
  console.log("apply after", Date.now() - t1);
  await c.close();
}, 120000);
