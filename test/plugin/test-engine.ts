// An engine module for in-process plugin tests: `check` is the engine's real check
// (provider/lifecycle/check.ts: autonaming, defaults, guardrails); the other operations are
// scripted per test so that the transport's mapping of results, errors, cancellation and logs can
// be asserted exactly. No cluster is faked: the real engine against a real API server is in
// lifecycle.test.ts, dynamic-host.test.ts and pulumi-cli.test.ts.
import { checkInputs } from "../../provider/lifecycle/check";
import { kindByToken, RESOURCE_KINDS } from "../../provider/lifecycle/kinds";
import type { EngineSettings } from "../../provider/lifecycle/settings";
import type { CheckResult, CreateResult, DiffResult, OperationContext, ReadResult, ResourceInputs, ResourceLifecycle, ResourceState } from "../../provider/lifecycle/types";
import type { EngineModule, LifecycleSet } from "../../provider/plugin/service";

export interface Script {
  diff?: (id: string, olds: ResourceState, news: ResourceInputs, ctx: OperationContext) => Promise<DiffResult>;
  create?: (inputs: ResourceInputs, ctx: OperationContext) => Promise<CreateResult>;
  read?: (id: string, state: ResourceState | undefined, inputs: ResourceInputs | undefined, ctx: OperationContext) => Promise<ReadResult | undefined>;
  update?: (id: string, olds: ResourceState, news: ResourceInputs, ctx: OperationContext) => Promise<{ outputs: ResourceState }>;
  delete?: (id: string, state: ResourceState, ctx: OperationContext) => Promise<void>;
}

export interface Recorder {
  settings: EngineSettings[];
  calls: { op: string; args: unknown[] }[];
}

function check(token: string, settings: EngineSettings) {
  const kind = kindByToken(token);
  if (!kind) throw new Error(`no kind for ${token}`);
  return async (olds: ResourceInputs | undefined, news: ResourceInputs, ctx: { urnName: string; randomSeed?: Uint8Array }): Promise<CheckResult> =>
    checkInputs(kind, olds, news, {
      urnName: ctx.urnName,
      ...(ctx.randomSeed && { randomSeed: ctx.randomSeed }),
      defaultNamespace: settings.namespace ?? "default",
      config: settings.guardrails,
    });
}

function unscripted(op: string): never {
  throw new Error(`test engine: ${op} is not scripted in this test`);
}

export function testEngine(script: Script = {}, recorder: Recorder = { settings: [], calls: [] }): EngineModule {
  return {
    lifecycles(settings: EngineSettings): LifecycleSet {
      recorder.settings.push(settings);
      const m = new Map<string, ResourceLifecycle>();
      for (const { token } of RESOURCE_KINDS) {
        const rec = (op: string, args: unknown[]): void => void recorder.calls.push({ op, args });
        m.set(token, {
          token,
          check: check(token, settings),
          diff: (id, olds, news, ctx) => (rec("diff", [id, olds, news, ctx]), script.diff ? script.diff(id, olds, news, ctx) : unscripted("diff")),
          create: (inputs, ctx) => (rec("create", [inputs, ctx]), script.create ? script.create(inputs, ctx) : unscripted("create")),
          read: (id, state, inputs, ctx) => (rec("read", [id, state, inputs, ctx]), script.read ? script.read(id, state, inputs, ctx) : unscripted("read")),
          update: (id, olds, news, ctx) => (rec("update", [id, olds, news, ctx]), script.update ? script.update(id, olds, news, ctx) : unscripted("update")),
          delete: (id, state, ctx) => (rec("delete", [id, state, ctx]), script.delete ? script.delete(id, state, ctx) : unscripted("delete")),
        });
      }
      return { byToken: m };
    },
  };
}

export function validProxy(endpoint: unknown = "https://api.example.com"): Record<string, unknown> {
  return {
    metadata: { name: "shop", namespace: "default" },
    spec: {
      hostnames: ["shop.example.com"],
      rules: [{ name: "web", backends: [{ endpoint }] }],
    },
  };
}
