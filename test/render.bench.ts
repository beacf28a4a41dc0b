import { describe, expect, test } from "vitest";
import { maximalHTTPProxy, typicalHTTPProxy } from "../bench/fixtures";
import type { HTTPProxy } from "../provider/core/models/httpproxy";
import { DEFAULT_RENDER_SETTINGS, render, renderHTTPProxy } from "../provider/core/render";
import { recordFigures } from "../bench/results.ts";

/**
 * Render throughput for a typical HTTPProxy (3 rules, 2 hostnames) and a maximal one (16 rules,
 * 128 matches): the renderer alone (validated, defaulted input) and render() with validation.
 * Vitest 5 API: `bench` is a test fixture. Run with `npx vitest bench --run test/render.bench.ts`.
 */

const settings = { ...DEFAULT_RENDER_SETTINGS, dnsIntegration: true };
const typical = typicalHTTPProxy();
const maximal = maximalHTTPProxy();

function admitted(p: Record<string, unknown>): HTTPProxy {
  const r = render([p], settings);
  expect(r.errors).toEqual([]);
  return p as unknown as HTTPProxy;
}

describe("render throughput", () => {
  test("renderHTTPProxy", async ({ bench }) => {
    const typicalProxy = admitted(typical);
    const maximalProxy = admitted(maximal);
    const r = await bench.compare(
      bench("typical (3 rules, 2 hostnames)", () => {
        renderHTTPProxy(typicalProxy, settings);
      }),
      bench("maximal (16 rules, 128 matches)", () => {
        renderHTTPProxy(maximalProxy, settings);
      }),
    );
    const rate = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k/s` : `${n.toFixed(0)}/s`);
    recordFigures("render", [
      {
        key: "renderHTTPProxy",
        what: "renderHTTPProxy, typical / maximal",
        ours: `${rate(r.get("typical (3 rules, 2 hostnames)").throughput.mean)} / ${rate(r.get("maximal (16 rules, 128 matches)").throughput.mean)}`,
      },
    ]);
  });

  test("render (validate + render)", async ({ bench }) => {
    await bench.compare(
      bench("typical (3 rules, 2 hostnames)", () => {
        render([typical], settings);
      }),
      bench("maximal (16 rules, 128 matches)", () => {
        render([maximal], settings);
      }),
    );
  });
});
