import { describe, expect, it } from "vitest";
import { main } from "../../provider/cli/main";
import type { CliIO } from "../../provider/cli/io";
import { render, resolveRenderSettings, type RenderedObject } from "../../provider/core/render";
import { canonicalHostname } from "../../provider/core/render/hostname";
import { validate } from "../../provider/core/validate";
import { resolveEngineSettings, type EngineSettings } from "../../provider/lifecycle/settings";

/**
 * `targetDomain` and `gatewayClassName` are named twice: as provider/render settings and as NSO's
 * operator keys `guardrails.gateway.targetDomain` and `guardrails.httpProxy.gatewayClassName`
 * (README, "Provider configuration"). Each has one value: the operator key fills in the setting,
 * the setting fills in the operator key, and two different values are refused naming both keys.
 */

function engine(input: Record<string, unknown>): EngineSettings {
  const r = resolveEngineSettings(input);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.settings;
}

const proxy = {
  apiVersion: "networking.datumapis.com/v1alpha",
  kind: "HTTPProxy",
  metadata: { name: "shop", namespace: "team-a" },
  spec: { rules: [{ backends: [{ endpoint: "https://api.example.com" }] }] },
};

function gatewayOf(objects: readonly RenderedObject[]): RenderedObject & { spec: { gatewayClassName: string; listeners: { hostname?: string }[] } } {
  const gw = objects.find((o) => o.kind === "Gateway");
  if (!gw) throw new Error("no Gateway rendered");
  return gw as RenderedObject & { spec: { gatewayClassName: string; listeners: { hostname?: string }[] } };
}

describe("provider settings that NSO's operator config names again", () => {
  it("without either key, the guardrails use the provider defaults", () => {
    const s = engine({});
    expect(s.targetDomain).toBe("datum.local");
    expect(s.guardrails.gateway.targetDomain).toBe("datum.local");
    expect(s.gatewayClassName).toBe("envoy-gateway");
    expect(s.guardrails.httpProxy.gatewayClassName).toBe("envoy-gateway");
  });

  it("datum:targetDomain and datum:gatewayClassName reach the guardrails", () => {
    const s = engine({ targetDomain: "edge.example", gatewayClassName: "eg" });
    expect(s.guardrails.gateway.targetDomain).toBe("edge.example");
    expect(s.guardrails.httpProxy.gatewayClassName).toBe("eg");
  });

  it("the operator keys alone set the value the provider renders with (nested or dotted)", () => {
    for (const guardrails of [{ gateway: { targetDomain: "edge.example" }, httpProxy: { gatewayClassName: "eg" } }, { "gateway.targetDomain": "edge.example", "httpProxy.gatewayClassName": "eg" }]) {
      const s = engine({ guardrails });
      expect(s.targetDomain).toBe("edge.example");
      expect(s.gatewayClassName).toBe("eg");
      const r = render([proxy], s);
      expect(r.errors).toEqual([]);
      const gw = gatewayOf(r.objects);
      expect(gw.spec.gatewayClassName).toBe("eg");
      expect(gw.spec.listeners.map((l) => l.hostname)).toContain(canonicalHostname("team-a", "shop", "edge.example"));
    }
  });

  it("NSO's empty operator default for gateway.targetDomain does not count as a value", () => {
    expect(engine({ targetDomain: "edge.example", guardrails: { gateway: { targetDomain: "" } } }).guardrails.gateway.targetDomain).toBe("edge.example");
  });

  it("the same value under both keys is accepted", () => {
    const s = engine({ targetDomain: "edge.example", guardrails: { "gateway.targetDomain": "edge.example" } });
    expect(s.targetDomain).toBe("edge.example");
  });

  it("different values are refused, naming both keys and both values", () => {
    const r = resolveEngineSettings({
      targetDomain: "a.example",
      gatewayClassName: "eg",
      guardrails: { gateway: { targetDomain: "b.example" }, "httpProxy.gatewayClassName": "other" },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.key)).toEqual(["targetDomain", "gatewayClassName"]);
    expect(r.errors[0]?.message).toContain('"a.example" and guardrails.gateway.targetDomain "b.example"');
    expect(r.errors[0]?.message).toContain("set only targetDomain");
    expect(r.errors[1]?.message).toContain('"eg" and guardrails.httpProxy.gatewayClassName "other"');
  });

  it("the render settings (CLI) refuse the same contradiction", () => {
    const r = resolveRenderSettings({ targetDomain: "a.example", guardrails: { "gateway.targetDomain": "b.example" } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join("\n")).toMatch(/^targetDomain: "a\.example" and guardrails\.gateway\.targetDomain "b\.example"/);
  });

  it("Gateway rule G4 checks the canonical hostname under datum:targetDomain", () => {
    const config = engine({ targetDomain: "edge.example" }).guardrails;
    const canonical = canonicalHostname("default", "web", "edge.example");
    const gateway = (hostname: string) => ({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "web", namespace: "default" },
      spec: { gatewayClassName: "datum-external-global-proxy", listeners: [{ name: "default-http", port: 80, protocol: "HTTP", hostname }] },
    });
    const existing = [
      { apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass", metadata: { name: "datum-external-global-proxy" }, spec: { controllerName: "gateway.networking.datumapis.com/external-global-proxy-controller" } },
    ];
    const update = { operation: "UPDATE" as const, oldObject: gateway(canonical), existing, config };
    expect(validate(gateway(canonical), update).errors).toEqual([]);
    const wrong = validate(gateway("web.elsewhere.example"), update).errors;
    expect(wrong).toHaveLength(1);
    expect(wrong[0]?.message).toContain(JSON.stringify(canonical));
  });
});

describe("the CLI settings file", () => {
  function io(files: Record<string, string>, out: { stdout: string; stderr: string }): CliIO {
    return {
      stdout: (t) => void (out.stdout += t),
      stderr: (t) => void (out.stderr += t),
      readFile: async (p) => {
        const f = files[p];
        if (f === undefined) throw new Error(`ENOENT: ${p}`);
        return f;
      },
      readStdin: async () => "",
    };
  }
  const manifest = JSON.stringify(proxy);

  it("renders with the class and domain the operator keys name", async () => {
    const out = { stdout: "", stderr: "" };
    const code = await main(["render", "--config", "c.yaml", "p.json"], io({ "c.yaml": "httpProxy.gatewayClassName: eg\ngateway.targetDomain: edge.example\n", "p.json": manifest }, out));
    expect(out.stderr).toBe("");
    expect(code).toBe(0);
    expect(out.stdout).toContain("gatewayClassName: eg");
    expect(out.stdout).toContain(canonicalHostname("team-a", "shop", "edge.example"));
  });

  it("validate refuses contradictory values with exit 2, naming both keys", async () => {
    const out = { stdout: "", stderr: "" };
    const code = await main(["validate", "--config", "c.yaml", "p.json"], io({ "c.yaml": "targetDomain: a.example\ngateway:\n  targetDomain: b.example\n", "p.json": manifest }, out));
    expect(code).toBe(2);
    expect(out.stderr).toContain('targetDomain: "a.example" and guardrails.gateway.targetDomain "b.example"');
  });
});
