// One program, one stack per cluster (Pulumi.cluster-a.yaml, Pulumi.cluster-b.yaml). Each stack's
// default provider reads its cluster from stack config (`datum:context`, optionally
// `datum:kubeconfig`), so the two stacks never share a client, a field manager or state.
//
// Staged rollout: a release goes to cluster-a first; cluster-b (`promoteAfter: cluster-a`) reads
// cluster-a's outputs through a StackReference and refuses to move to a release that cluster-a does
// not serve yet, or serves but is not ready on.
import * as pulumi from "@pulumi/pulumi";
import * as datum from "@pulumi-datum/datum";

const config = new pulumi.Config();
const release = config.require("release");
const promoteAfter = config.get("promoteAfter") ?? "";

if (promoteAfter !== "") {
  const upstream = new pulumi.StackReference(`${pulumi.getOrganization()}/${pulumi.getProject()}/${promoteAfter}`);
  const [upstreamRelease, upstreamReady] = await Promise.all([
    upstream.getOutputDetails("release"),
    upstream.getOutputDetails("ready"),
  ]);
  if (upstreamRelease.value !== release || upstreamReady.value !== true) {
    throw new Error(
      `staged rollout: ${pulumi.getStack()} may serve release ${release} only after ${promoteAfter} serves it and is ready ` +
        `(${promoteAfter} serves ${String(upstreamRelease.value ?? "nothing")}, ready=${String(upstreamReady.value ?? false)}); ` +
        `run \`pulumi up -s ${promoteAfter}\` first`,
    );
  }
}

const proxy = new datum.networking.HTTPProxy("api", {
  metadata: { name: "api", labels: { "example.com/release": release } },
  spec: {
    rules: [{
      name: "api",
      filters: [{ type: "ResponseHeaderModifier", responseHeaderModifier: { set: [{ name: "x-release", value: release } ] } }],
      backends: [{ endpoint: `https://${release}.api.example.net` }],
    }],
  },
});

export { release };
export const ready = proxy.ready;
export const readiness = proxy.readiness;
export const canonicalHostname = proxy.canonicalHostname;
