import { describe, expect, it } from "vitest";
import { main } from "../../provider/cli/main";
import { resolveGuardrailConfig } from "../../provider/core/config";
import { checkInputs } from "../../provider/lifecycle/check";
import { kindByToken } from "../../provider/lifecycle/kinds";
import { memoryIO } from "../cli/memory-io";

/** weightedBackends: preview (Check) and `validate` show each weighted rule's split (issue #16). */

const spec = {
  rules: [
    { name: "canary", backends: [{ endpoint: "http://stable.example.com", weight: 9 }, { endpoint: "http://stable.example.com:8081", weight: 1 }] },
    { name: "even", matches: [{ path: { value: "/even" } }], backends: [{ endpoint: "http://a.example.com" }, { endpoint: "http://a.example.com:81" }, { endpoint: "http://a.example.com:82" }] },
    { name: "single", matches: [{ path: { value: "/one" } }], backends: [{ endpoint: "http://a.example.com" }] },
  ],
};

describe("weighted split", () => {
  it("Check returns it as notes the plugin logs as information, one per weighted rule", () => {
    const kind = kindByToken("datum:networking:HTTPProxy");
    const cfg = resolveGuardrailConfig({ extensions: { weightedBackends: true, weightedBackendLimits: { maxBackends: 3 } } });
    if (!kind || !cfg.ok) throw new Error("setup");
    const res = checkInputs(kind, undefined, { spec }, { urnName: "shop", defaultNamespace: "default", config: cfg.config });
    expect(res.failures).toEqual([]);
    expect(res.warnings).toBeUndefined();
    expect(res.notes).toEqual([
      "spec.rules[0].backends: splits requests 90 % → backends[0] (http://stable.example.com), 10 % → backends[1] (http://stable.example.com:8081)",
      "spec.rules[1].backends: splits requests 33.3 % → backends[0] (http://a.example.com), 33.3 % → backends[1] (http://a.example.com:81), 33.3 % → backends[2] (http://a.example.com:82)",
    ]);
  });

  it("validate prints it as a note with file and line; a refused proxy gets no note", async () => {
    const proxy = `apiVersion: networking.datumapis.com/v1alpha
kind: HTTPProxy
metadata: {name: shop}
spec:
  rules:
    - backends:
        - {endpoint: "http://stable.example.com", weight: 90}
        - {endpoint: "http://stable.example.com:8081", weight: 10}
`;
    const io = memoryIO({ "p.yaml": proxy, "c.yaml": "extensions: {weightedBackends: true}\n" });
    expect(await main(["validate", "--config", "c.yaml", "p.yaml"], io)).toBe(0);
    expect(io.out).toContain("p.yaml:6: note: spec.rules[0].backends: splits requests 90 % → backends[0] (http://stable.example.com), 10 % → backends[1] (http://stable.example.com:8081)");
    const off = memoryIO({ "p.yaml": proxy });
    expect(await main(["validate", "p.yaml"], off)).toBe(1);
    expect(off.out).not.toContain("note:");
  });
});
