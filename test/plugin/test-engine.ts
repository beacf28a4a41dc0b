// An engine module for in-process plugin tests: `check` is the real admission path of provider/core
// (validate + field errors), the other operations are scripted per test so that the transport's
// mapping of results, errors, cancellation and logs can be asserted exactly. No cluster is faked:
// create/read/update/delete against a real API server are in lifecycle.test.ts.
import { formatFieldError } from "../../provider/core/errors";
import { validate } from "../../provider/core/validate";
import type { EngineSettings } from "../../provider/lifecycle/settings";
import type { CheckResult, CreateResult, DiffResult, OperationContext, ReadResult, ResourceInputs, ResourceLifecycle, ResourceState } from "../../provider/lifecycle/types";
import type { EngineModule } from "../../provider/plugin/service";

const KINDS: Record<string, { apiVersion: string; kind: string }> = {
  "datum:networking:HTTPProxy": { apiVersion: "networking.datumapis.com/v1alpha", kind: "HTTPProxy" },
  "datum:policy:SecurityPolicy": { apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "SecurityPolicy" },
};

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

function validateCheck(token: string, settings: EngineSettings) {
  return async (olds: ResourceInputs | undefined, news: ResourceInputs, ctx: { urnName: string }): Promise<CheckResult> => {
    const k = KINDS[token];
    if (!k) throw new Error(`no kind for ${token}`);
    const meta = (typeof news["metadata"] === "object" && news["metadata"] !== null ? news["metadata"] : {}) as Record<string, unknown>;
    const inputs = { ...news, metadata: { ...meta, name: meta["name"] ?? `${ctx.urnName}-test` } };
    const r = validate({ ...k, ...inputs }, { config: settings.guardrailConfig, operation: olds ? "UPDATE" : "CREATE", ...(olds && { oldObject: { ...k, ...olds } }) });
    return { inputs, failures: r.errors.map((e) => ({ property: e.field, reason: formatFieldError(e) })) };
  };
}

function unscripted(op: string): never {
  throw new Error(`test engine: ${op} is not scripted in this test`);
}

export function testEngine(script: Script = {}, recorder: Recorder = { settings: [], calls: [] }): EngineModule {
  return {
    lifecycles(settings: EngineSettings): Map<string, ResourceLifecycle> {
      recorder.settings.push(settings);
      const m = new Map<string, ResourceLifecycle>();
      for (const token of Object.keys(KINDS)) {
        const rec = (op: string, args: unknown[]): void => void recorder.calls.push({ op, args });
        m.set(token, {
          token,
          check: validateCheck(token, settings),
          diff: (id, olds, news, ctx) => (rec("diff", [id, olds, news, ctx]), script.diff ? script.diff(id, olds, news, ctx) : unscripted("diff")),
          create: (inputs, ctx) => (rec("create", [inputs, ctx]), script.create ? script.create(inputs, ctx) : unscripted("create")),
          read: (id, state, inputs, ctx) => (rec("read", [id, state, inputs, ctx]), script.read ? script.read(id, state, inputs, ctx) : unscripted("read")),
          update: (id, olds, news, ctx) => (rec("update", [id, olds, news, ctx]), script.update ? script.update(id, olds, news, ctx) : unscripted("update")),
          delete: (id, state, ctx) => (rec("delete", [id, state, ctx]), script.delete ? script.delete(id, state, ctx) : unscripted("delete")),
        });
      }
      return m;
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
