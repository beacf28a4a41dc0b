import { describe, expect, it } from "vitest";
import { resolveGuardrailConfig } from "../../provider/core/config";
import { resolveRenderSettings } from "../../provider/core/render";
import { main } from "../../provider/cli/main";
import type { CliIO } from "../../provider/cli/io";

/**
 * Guardrail settings are expanded from dotted keys (`gateway.targetDomain`). A key segment that
 * names JavaScript's prototype machinery must be rejected by name, never written through.
 */

const HOSTILE: readonly Record<string, unknown>[] = [
  { "__proto__.polluted": "yes" },
  { "gateway.__proto__.polluted": "yes" },
  { "constructor.prototype.polluted": "yes" },
  { gateway: JSON.parse('{"__proto__": {"polluted": "yes"}}') as unknown },
  { "gateway.prototype": { polluted: "yes" } },
];

function polluted(): boolean {
  return (({}) as Record<string, unknown>)["polluted"] !== undefined;
}

describe("prototype keys in guardrail settings", () => {
  for (const input of HOSTILE) {
    const shown = JSON.stringify(input);
    it(`rejects ${shown} by name and pollutes nothing`, () => {
      const r = resolveGuardrailConfig(input);
      expect(polluted()).toBe(false);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.errors.join("\n")).toMatch(/(__proto__|constructor|prototype)".*is not allowed/);
    });
  }

  it("rejects them in the provider/render settings' guardrails block too", () => {
    const r = resolveRenderSettings({ guardrails: { "__proto__.polluted": "yes" } });
    expect(polluted()).toBe(false);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join("\n")).toContain('"__proto__"');
  });

  it("the CLI rejects such a --config file with exit 2 naming the key", async () => {
    let err = "";
    const io: CliIO = {
      stdout: () => undefined,
      stderr: (t) => void (err += t),
      readFile: async (p) => (p === "c.yaml" ? '"gateway.__proto__.polluted": yes\n' : "apiVersion: v1\nkind: HTTPProxy\n"),
      readStdin: async () => "",
    };
    expect(await main(["validate", "--config", "c.yaml", "a.yaml"], io)).toBe(2);
    expect(polluted()).toBe(false);
    expect(err).toContain('"__proto__"');
  });

  it("still accepts ordinary dotted keys", () => {
    const r = resolveGuardrailConfig({ "gateway.targetDomain": "example.net" });
    expect(r.ok && r.config.gateway.targetDomain).toBe("example.net");
  });
});
