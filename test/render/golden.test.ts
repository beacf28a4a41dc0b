import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { toYAMLStream } from "../../provider/cli/render";
import { render, resolveRenderSettings, type RenderContext, type RenderSettingsInput } from "../../provider/core/render";

/**
 * Golden files: golden/inputs/<case>.yaml renders (through validation) to golden/<case>.golden.yaml.
 * `UPDATE_GOLDEN=1 npx vitest run test/render/golden.test.ts` rewrites the expectations; review the diff.
 */

interface Case {
  name: string;
  settings?: RenderSettingsInput;
  context?: RenderContext;
}

const CASES: Case[] = [
  { name: "minimal" },
  { name: "filters" },
  { name: "backends" },
  { name: "host-override" },
  { name: "hostnames" },
  { name: "shared-wildcard", settings: { targetDomain: "edge.example.net", defaultListenerTLSSecretName: "edge-wildcard-tls" } },
  {
    name: "dns",
    settings: { dnsIntegration: true },
    context: { gatewayAddresses: { "default/shop": ["203.0.113.7", "2001:db8::7", "198.51.100.7"] } },
  },
  { name: "dns-pending", settings: { dnsIntegration: true } },
  { name: "connector-online", context: { connectors: { "dev/laptop": { ready: true, endpointId: "k51qzi5uqu5dlaptop" } } } },
  { name: "policies", settings: { namespace: "edge" } },
  { name: "tpp" },
  { name: "tpp-alone" },
];

const dir = join(__dirname, "golden");
const update = process.env["UPDATE_GOLDEN"] === "1";

function renderCase(c: Case): string {
  const input = readFileSync(join(dir, "inputs", `${c.name}.yaml`), "utf8");
  const settings = resolveRenderSettings(c.settings ?? {});
  if (!settings.ok) throw new Error(settings.errors.join("\n"));
  const result = render(yaml.loadAll(input), settings.settings, c.context);
  expect(result.errors).toEqual([]);
  expect(result.objects.length).toBeGreaterThan(0);
  return toYAMLStream(result.objects);
}

describe("render golden files", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const actual = renderCase(c);
      const file = join(dir, `${c.name}.golden.yaml`);
      if (update) writeFileSync(file, actual);
      expect(existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(actual).toBe(readFileSync(file, "utf8"));
      // Rendering is a pure function of its input: a second run is byte-identical.
      expect(renderCase(c)).toBe(actual);
    });
  }
});
