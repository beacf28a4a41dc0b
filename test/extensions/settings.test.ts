import { describe, expect, it } from "vitest";
import { main } from "../../provider/cli/main";
import { guardrailsFromSettings } from "../../provider/cli/config-file";
import { resolveRenderSettings } from "../../provider/core/render/settings";
import { decodeConfig, settingsFrom } from "../../provider/plugin/config";
import { memoryIO } from "../cli/memory-io";

/** The beyond-NSO switches reach the guardrails from every place a user sets them (issue #16). */

const proxy = `apiVersion: networking.datumapis.com/v1alpha
kind: HTTPProxy
metadata: {name: app}
spec:
  rules:
    - backends: [{endpoint: "https://api.example.com"}]
`;

describe("datum:extensions", () => {
  it("is off by default everywhere", () => {
    const r = resolveRenderSettings({});
    expect(r.ok && r.settings.guardrails.extensions).toMatchObject({ grpcProxy: false, routeTimeouts: false, weightedBackends: false, requestMirroring: false, backendProtocols: false });
  });

  it("provider config: a top-level datum:extensions (JSON-encoded by the engine) lands in guardrails.extensions", () => {
    const s = settingsFrom(decodeConfig({ extensions: '{"routeTimeouts":true}' }));
    expect(s.ok && s.settings.guardrails.extensions.routeTimeouts).toBe(true);
    expect(s.ok && s.settings.guardrails.extensions.weightedBackends).toBe(false);
  });

  it("provider config: the same switch set both ways agrees or is refused, naming both places", () => {
    const agree = settingsFrom(decodeConfig({ extensions: { routeTimeouts: true }, guardrails: { "extensions.routeTimeouts": true, "extensions.weightedBackends": true } }));
    expect(agree.ok && agree.settings.guardrails.extensions).toMatchObject({ routeTimeouts: true, weightedBackends: true });
    const clash = settingsFrom(decodeConfig({ extensions: { routeTimeouts: true }, guardrails: { extensions: { routeTimeouts: false } } }));
    expect(clash.ok).toBe(false);
    expect(!clash.ok && clash.failures).toEqual([
      { property: "extensions", reason: "datum:extensions.routeTimeouts: set to true in extensions and to false in guardrails.extensions; keep one of them" },
    ]);
  });

  it("provider config: a limit mapping may be split between the two places; only a leaf set twice differently is refused", () => {
    const split = settingsFrom(
      decodeConfig({ extensions: { routeTimeoutLimits: { maxRequest: "30s" } }, guardrails: { extensions: { routeTimeoutLimits: { maxStreamDuration: "10m" } } } }),
    );
    expect(split.ok && split.settings.guardrails.extensions.routeTimeoutLimits).toEqual({ maxRequest: "30s", maxStreamIdle: "1h", maxStreamDuration: "10m" });
    const clash = settingsFrom(decodeConfig({ extensions: { routeTimeoutLimits: { maxRequest: "30s" } }, guardrails: { extensions: { routeTimeoutLimits: { maxRequest: "1m" } } } }));
    expect(!clash.ok && clash.failures.map((f) => f.reason)).toEqual([
      'datum:extensions.routeTimeoutLimits.maxRequest: set to "30s" in extensions and to "1m" in guardrails.extensions; keep one of them',
    ]);
  });

  it("provider config: an unknown switch or a non-mapping is refused with its key", () => {
    const typo = settingsFrom(decodeConfig({ extensions: { routeTimeout: true } }));
    expect(!typo.ok && typo.failures.map((f) => f.reason).join("\n")).toContain("routeTimeout");
    const scalar = settingsFrom(decodeConfig({ extensions: "yes" }));
    expect(!scalar.ok && scalar.failures[0]?.reason).toContain("datum:extensions: must be a mapping");
  });

  it("CLI settings file: top-level extensions reach the guardrails (validate) and render settings (render)", () => {
    const g = guardrailsFromSettings({ extensions: { backendProtocols: true }, gatewayClassName: "eg" });
    expect(g.ok && g.config.extensions.backendProtocols).toBe(true);
    expect(g.ok && g.rest).toEqual({ gatewayClassName: "eg" });
  });

  it("CLI: contradictory or misspelt extensions stop validate and render with exit 2 and the key", async () => {
    for (const cmd of ["validate", "render"]) {
      const clash = memoryIO({ "a.yaml": proxy, "c.yaml": "extensions: {weightedBackends: true}\nguardrails:\n  extensions: {weightedBackends: false}\n" });
      expect(await main([cmd, "--config", "c.yaml", "a.yaml"], clash), cmd).toBe(2);
      expect(clash.err).toContain("extensions.weightedBackends: set to true in extensions and to false in guardrails.extensions");
      const typo = memoryIO({ "a.yaml": proxy, "c.yaml": "extensions: {weightedBackend: true}\n" });
      expect(await main([cmd, "--config", "c.yaml", "a.yaml"], typo), cmd).toBe(2);
      expect(typo.err).toContain("weightedBackend");
    }
  });
});
