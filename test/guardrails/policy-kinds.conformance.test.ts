import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveGuardrailConfig } from "../../provider/core/config";
import { backendGuardrails } from "../../provider/core/guardrails/backend";
import { backendTLSPolicyGuardrails } from "../../provider/core/guardrails/backendtlspolicy";
import { backendTrafficPolicyGuardrails } from "../../provider/core/guardrails/backendtrafficpolicy";
import { domainGuardrails } from "../../provider/core/guardrails/domain";
import { httpRouteFilterGuardrails } from "../../provider/core/guardrails/httproutefilter";
import { securityPolicyGuardrails } from "../../provider/core/guardrails/securitypolicy";
import { trafficProtectionPolicyGuardrails } from "../../provider/core/guardrails/trafficprotectionpolicy";
import { admit, registerKind } from "../../provider/core/validation/pipeline";

/**
 * The public vectors of the policy-side kinds, run against these kinds' guardrails alone (registered
 * here directly), so a regression shows up in isolation from the other kinds' modules.
 */

const KINDS = [
  securityPolicyGuardrails,
  backendTrafficPolicyGuardrails,
  httpRouteFilterGuardrails,
  backendGuardrails,
  backendTLSPolicyGuardrails,
  trafficProtectionPolicyGuardrails,
  domainGuardrails,
];
for (const k of KINDS) registerKind(k);

interface Vector {
  id: string;
  kind: string;
  object: unknown;
  valid: boolean;
  errors: { field: string; type: string; contains: string }[];
  operation?: "CREATE" | "UPDATE" | "DELETE";
  oldObject?: unknown;
  existing?: unknown[];
  config?: Record<string, unknown>;
}

const file = resolve(__dirname, "../../../shared/conformance/public.json");
const mine = new Set(KINDS.map((k) => k.kind));
const vectors: Vector[] = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Vector[]).filter((v) => mine.has(v.kind)) : [];

describe("public vectors of the policy-side kinds", () => {
  it("covers every policy-side kind", () => {
    expect(existsSync(file)).toBe(true);
    expect(new Set(vectors.map((v) => v.kind))).toEqual(mine);
  });

  it.each(vectors.map((v) => [v.id, v] as const))("%s", (_id, v) => {
    const cfg = resolveGuardrailConfig(v.config ?? {});
    if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
    const result = admit({
      object: v.object,
      config: cfg.config,
      ...(v.operation && { operation: v.operation }),
      ...(v.oldObject !== undefined && { oldObject: v.oldObject }),
      ...(v.existing && { existing: v.existing }),
    });
    const shown = JSON.stringify(result.errors, null, 1);
    expect(result.valid, `verdict; got errors ${shown}`).toBe(v.valid);
    if (v.valid) expect(result.errors).toEqual([]);
    for (const e of v.errors) {
      const hit = result.errors.find((r) => r.field === e.field && r.type === e.type && r.message.includes(e.contains));
      expect(hit, `expected ${e.type} at ${JSON.stringify(e.field)} containing ${JSON.stringify(e.contains)}; got ${shown}`).toBeDefined();
    }
  });
});
