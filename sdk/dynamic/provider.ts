/**
 * The `pulumi.dynamic` provider behind the sdk/dynamic resource classes. Pulumi serializes each
 * method, with everything it captures, into every resource's state and runs it later in a
 * separate provider host. So the methods capture nothing but strings and `require` the engine
 * when called: zod schemas, the Kubernetes client and the guardrails are never serialized
 * (a zod schema captured at module scope cannot be, see pulumi/pulumi#5294).
 */
import { join, sep } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type * as Runtime from "./runtime";

/** Installed as a package, the host finds the runtime by name from the program's node_modules. */
const PACKAGE_RUNTIME = "@pulumi-datum/datum/dynamic/runtime";

/** Otherwise by path: the compiled runtime, also when this file runs from the TypeScript sources (tests). */
function compiledRuntimePath(): string {
  const inDist = __dirname.split(sep).includes("dist");
  return inDist ? join(__dirname, "runtime.js") : join(__dirname, "..", "..", "dist", "sdk", "dynamic", "runtime.js");
}

const RUNTIME_PATH = compiledRuntimePath();

type RuntimeModule = typeof Runtime;

export function dynamicProvider(token: string): pulumi.dynamic.ResourceProvider {
  const packageRuntime = PACKAGE_RUNTIME;
  const runtimePath = RUNTIME_PATH;
  const runtime = (): RuntimeModule => {
    try {
      return require(packageRuntime) as RuntimeModule;
    } catch (e) {
      if ((e as { code?: unknown }).code !== "MODULE_NOT_FOUND") throw e;
      return require(runtimePath) as RuntimeModule;
    }
  };
  return {
    configure: async (req) => runtime().configure(req.config),
    check: async (olds: Record<string, unknown>, news: Record<string, unknown>) => runtime().check(token, olds, news),
    diff: async (id: string, olds: Record<string, unknown>, news: Record<string, unknown>) => runtime().diff(token, id, olds, news),
    create: async (inputs: Record<string, unknown>) => runtime().create(token, inputs),
    read: async (id: string, props?: Record<string, unknown>) => runtime().read(token, id, props),
    update: async (id: string, olds: Record<string, unknown>, news: Record<string, unknown>) => runtime().update(token, id, olds, news),
    delete: async (id: string, props: Record<string, unknown>) => runtime().remove(token, id, props),
  };
}
