// Readiness observers driven by the status recordings in ./recordings: captured from live
// controllers where one runs here, hand-written (and marked with why) where none can (see its README).
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { DEFAULT_OBSERVE_CONTEXT, knownKinds, observerFor, type ObserveContext, type Readiness } from "../../provider/await/index.ts";

interface Step {
  note?: string;
  generation?: number;
  status: unknown;
  expect: { state: Readiness["state"]; message?: string; messageContains?: string };
}
interface Recording {
  description: string;
  /** The live controller and version that wrote the statuses. */
  source?: { controller: string; version: string; recordedBy: string };
  /** Why no live controller produced this sequence. */
  handWritten?: string;
  object: { apiVersion: string; kind: string; metadata: Record<string, unknown> } & Record<string, unknown>;
  context?: Partial<ObserveContext>;
  steps: Step[];
}

const dir = join(__dirname, "recordings");
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

describe("recordings", () => {
  test("there are recordings for every observed group", () => {
    const groups = new Set(files.map((f) => (JSON.parse(readFileSync(join(dir, f), "utf8")) as Recording).object.apiVersion.split("/")[0]));
    for (const g of ["gateway.networking.k8s.io", "gateway.envoyproxy.io", "cert-manager.io", "discovery.k8s.io", "networking.datumapis.com", "externaldns.k8s.io"]) {
      expect(groups).toContain(g);
    }
  });

  test("every recording names the live controller and version it came from, or says why it is hand-written", () => {
    for (const f of files) {
      const rec = JSON.parse(readFileSync(join(dir, f), "utf8")) as Recording;
      const live = rec.source !== undefined && /^v\d+\.\d+\.\d+/.test(rec.source.version) && rec.source.controller !== "" && rec.source.recordedBy !== "";
      const handWritten = typeof rec.handWritten === "string" && rec.handWritten.length > 20;
      expect({ file: f, provenance: live !== handWritten }).toEqual({ file: f, provenance: true });
    }
    const liveGroups = files
      .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Recording)
      .filter((r) => r.source !== undefined)
      .map((r) => r.object.apiVersion.split("/")[0]);
    for (const g of ["cert-manager.io", "externaldns.k8s.io", "gateway.networking.k8s.io", "gateway.envoyproxy.io"]) expect(liveGroups).toContain(g);
  });

  for (const file of files) {
    const rec = JSON.parse(readFileSync(join(dir, file), "utf8")) as Recording;
    describe(file, () => {
      const observer = observerFor(rec.object.apiVersion, rec.object.kind);
      const ctx: ObserveContext = { ...DEFAULT_OBSERVE_CONTEXT, ...rec.context };
      let generation = rec.object.metadata["generation"];
      rec.steps.forEach((step, i) => {
        if (step.generation !== undefined) generation = step.generation;
        const gen = generation;
        test(`step ${i}: ${step.note ?? step.expect.state}`, () => {
          const obj = { ...rec.object, metadata: { ...rec.object.metadata, generation: gen }, status: step.status };
          const got: Readiness = observer === undefined ? { state: "ready" } : observer(obj, ctx);
          expect(got.state).toBe(step.expect.state);
          if (step.expect.message !== undefined) expect(got.state === "ready" ? undefined : got.message).toBe(step.expect.message);
          if (step.expect.messageContains !== undefined) expect(got.state === "ready" ? "" : got.message).toContain(step.expect.messageContains);
        });
      });
    });
  }
});

describe("observers are total", () => {
  const kinds = knownKinds().map((k) => {
    const i = k.lastIndexOf("/");
    const group = k.slice(0, i);
    return { apiVersion: group === "" ? "v1" : `${group}/v1`, kind: k.slice(i + 1) };
  });

  test("never throw on arbitrary JSON, and always answer a known state", () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.anything({ withNullPrototype: true, maxDepth: 4 }), fc.anything({ maxDepth: 4 }), (k, spec, status) => {
        const observer = observerFor(k.apiVersion, k.kind);
        expect(observer).toBeDefined();
        const r = observer!({ apiVersion: k.apiVersion, kind: k.kind, metadata: { name: "x", generation: 1 }, spec, status }, DEFAULT_OBSERVE_CONTEXT);
        expect(["ready", "pending", "failed"]).toContain(r.state);
      }),
      { numRuns: 400 },
    );
  });

  test("whole object garbage (null, arrays, strings) is not ready for kinds that need a controller", () => {
    for (const junk of [null, undefined, 42, "Gateway", [], [{}]]) {
      expect(observerFor("gateway.networking.k8s.io/v1", "Gateway")!(junk, DEFAULT_OBSERVE_CONTEXT).state).toBe("pending");
      expect(observerFor("cert-manager.io/v1", "Certificate")!(junk, DEFAULT_OBSERVE_CONTEXT).state).toBe("pending");
    }
  });

  test("conditions with wrong types are skipped, not trusted", () => {
    const gw = {
      metadata: { generation: 1 },
      spec: { listeners: [] },
      status: { conditions: [{ type: "Accepted", status: true }, { type: 7, status: "True" }, "Programmed", null] },
    };
    const r = observerFor("gateway.networking.k8s.io/v1", "Gateway")!(gw, DEFAULT_OBSERVE_CONTEXT);
    expect(r).toEqual({ state: "pending", message: "Accepted=Unknown" });
  });
});

describe("registry", () => {
  test("version-agnostic lookup, unknown kinds have no observer", () => {
    expect(observerFor("gateway.networking.k8s.io/v1beta1", "HTTPRoute")).toBe(observerFor("gateway.networking.k8s.io/v1", "HTTPRoute"));
    expect(observerFor("example.com/v1", "Widget")).toBeUndefined();
    expect(observerFor("v1", "ConfigMap")!({}, DEFAULT_OBSERVE_CONTEXT)).toEqual({ state: "ready" });
  });
});
