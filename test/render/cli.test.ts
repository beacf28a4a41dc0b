import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { main } from "../../provider/cli/main";
import { runRender } from "../../provider/cli/render";
import { memoryIO } from "../cli/memory-io";

const golden = (name: string) => readFileSync(join(__dirname, "golden", name), "utf8");
const hostnamesInput = golden("inputs/hostnames.yaml");

const invalid = `apiVersion: networking.datumapis.com/v1alpha
kind: HTTPProxy
metadata: {name: shop, namespace: team}
spec:
  rules:
    - backends: [{endpoint: "https://api.example.com/api"}]
`;

describe("pulumi-datum render", () => {
  it("prints a YAML stream identical to the golden file", async () => {
    const io = memoryIO({ "p.yaml": hostnamesInput });
    expect(await runRender(["p.yaml"], io)).toBe(0);
    expect(io.out).toBe(golden("hostnames.golden.yaml"));
    expect(io.err).toBe("");
  });

  it("prints one v1 List with --output json", async () => {
    const io = memoryIO({}, hostnamesInput);
    expect(await runRender(["--output", "json", "-"], io)).toBe(0);
    const list = JSON.parse(io.out) as { apiVersion: string; kind: string; items: unknown[] };
    expect(Object.keys(list)).toEqual(["apiVersion", "items", "kind"]);
    expect(list).toMatchObject({ apiVersion: "v1", kind: "List" });
    expect(list.items).toEqual(yaml.loadAll(golden("hostnames.golden.yaml")));
  });

  it("takes render settings and guardrail overrides from --config", async () => {
    const config = "gatewayClassName: eg\nnamespace: edge\ndnsIntegration: true\nfieldManager: ignored-here\n";
    const io = memoryIO({ "p.yaml": hostnamesInput, "c.yaml": config });
    expect(await runRender(["-o", "json", "--config", "c.yaml", "p.yaml"], io)).toBe(0);
    const items = (JSON.parse(io.out) as { items: { kind: string; metadata: { namespace: string }; spec?: { gatewayClassName?: string } }[] }).items;
    expect(items.every((o) => o.metadata.namespace === "edge")).toBe(true);
    expect(items.find((o) => o.kind === "Gateway")?.spec?.gatewayClassName).toBe("eg");
    expect(items.some((o) => o.kind === "DNSEndpoint")).toBe(true);
  });

  it("prints validate's errors on stderr, nothing on stdout, and exits 1 for invalid input", async () => {
    const io = memoryIO({ "good.yaml": hostnamesInput, "bad.yaml": invalid });
    expect(await main(["render", "good.yaml", "bad.yaml"], io)).toBe(1);
    expect(io.out).toBe("");
    expect(io.err).toContain("bad.yaml:1: HTTPProxy team/shop: invalid\n  bad.yaml:6: spec.rules[0].backends[0].endpoint");
    expect(io.err).toContain("1 of 2 objects invalid; nothing rendered");
    const v = memoryIO({ "bad.yaml": invalid });
    await main(["validate", "bad.yaml"], v);
    const validateLines = v.out.split("\n").filter((l) => l.startsWith("  "));
    for (const line of validateLines) expect(io.err).toContain(line);
  });

  it("exits 2 on usage and parse errors", async () => {
    expect(await main(["render", "--output", "text", "p.yaml"], memoryIO({ "p.yaml": hostnamesInput }))).toBe(2);
    expect(await main(["render"], memoryIO({}))).toBe(2);
    const io = memoryIO({ "p.yaml": "a: [" });
    expect(await main(["render", "p.yaml"], io)).toBe(2);
    expect(io.err).toContain("p.yaml");
    const cfg = memoryIO({ "p.yaml": hostnamesInput, "c.yaml": "targetDomain: Not_Valid\n" });
    expect(await main(["render", "--config", "c.yaml", "p.yaml"], cfg)).toBe(2);
    expect(cfg.err).toContain("targetDomain");
  });

  describe("--context: the live cluster state `up` renders with", () => {
    const proxy = `apiVersion: networking.datumapis.com/v1alpha
kind: HTTPProxy
metadata: {name: app, namespace: team}
spec:
  hostnames: [app.example.com]
  rules:
    - backends: [{endpoint: "http://localhost:3000", connector: {name: laptop}}]
`;
    type Item = { kind: string; spec?: Record<string, unknown> };
    const items = (out: string): Item[] => (JSON.parse(out) as { items: Item[] }).items;

    it("renders an online tunnel, the Gateway's A records and a class-targeted patch (docs/spec/compile.md §5.2)", async () => {
      const offline = memoryIO({ "p.yaml": proxy, "c.yaml": "dnsIntegration: true\n" });
      expect(await runRender(["-o", "json", "--config", "c.yaml", "p.yaml"], offline)).toBe(0);
      const before = items(offline.out);
      expect(JSON.stringify(before.find((o) => o.kind === "EnvoyPatchPolicy"))).toContain("Tunnel not online");
      expect(JSON.stringify(before.find((o) => o.kind === "DNSEndpoint"))).not.toContain('"A"');

      const context = "connectors:\n  team/laptop: {ready: true, endpointId: agent-key-1}\ngatewayAddresses:\n  team/app: [203.0.113.9]\nmergedGateways: true\n";
      const online = memoryIO({ "p.yaml": proxy, "c.yaml": "dnsIntegration: true\n", "ctx.yaml": context });
      expect(await runRender(["-o", "json", "--config", "c.yaml", "--context", "ctx.yaml", "p.yaml"], online)).toBe(0);
      const after = items(online.out);
      const epp = after.find((o) => o.kind === "EnvoyPatchPolicy");
      expect(JSON.stringify(epp)).not.toContain("Tunnel not online");
      expect(JSON.stringify(epp)).toContain('"endpoint_id":"agent-key-1"');
      expect(epp?.spec?.["targetRef"]).toEqual({ group: "gateway.networking.k8s.io", kind: "GatewayClass", name: "envoy-gateway" });
      const endpoints = (after.find((o) => o.kind === "DNSEndpoint")?.spec?.["endpoints"] ?? []) as { dnsName: string; recordType: string; targets: string[] }[];
      expect(endpoints.filter((e) => e.recordType === "A").map((e) => e.targets)).toContainEqual(["203.0.113.9"]);
    });

    it("names the file, line and field of a bad context, and unknown keys are errors (exit 2)", async () => {
      const bad = "connectors:\n  team/laptop: {ready: yes-please, endpointId: k}\ngatewayAddresses:\n  team/app: [not-an-ip]\nmergeGateways: true\n";
      const io = memoryIO({ "p.yaml": proxy, "ctx.yaml": bad });
      expect(await main(["render", "--context", "ctx.yaml", "p.yaml"], io)).toBe(2);
      expect(io.out).toBe("");
      expect(io.err).toContain("ctx.yaml:2: connectors[team/laptop].ready:");
      expect(io.err).toContain("ctx.yaml:4: gatewayAddresses[team/app][0]: must be an IPv4 or IPv6 address");
      expect(io.err).toMatch(/ctx\.yaml:\d+: mergeGateways: unknown field "mergeGateways"; known: connectors, gatewayAddresses, mergedGateways/);
      // validate has no --context: the render context changes what is rendered, not what is valid.
      expect(await main(["validate", "--context", "ctx.yaml", "p.yaml"], memoryIO({ "p.yaml": proxy, "ctx.yaml": bad }))).toBe(2);
    });
  });
});
