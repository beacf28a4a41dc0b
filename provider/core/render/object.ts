import { canonical } from "./json";
import { ownedLabels, type SourceRef } from "./labels";
import type { RenderSettings } from "./settings";
import type { RenderedObject } from "./types";
import { isObj } from "../json";

/** Where objects rendered from one source go, and which source they name in their labels. */
export interface Target {
  source: SourceRef;
  /** Namespace of every object rendered from the source. */
  namespace: string;
}

/** The source of a (validated) input object; an unset namespace is `default`, as the API server does. */
export function sourceOf(obj: Record<string, unknown>): SourceRef {
  const meta = isObj(obj["metadata"]) ? obj["metadata"] : {};
  const ns = meta["namespace"];
  return {
    kind: typeof obj["kind"] === "string" ? obj["kind"] : "",
    namespace: typeof ns === "string" && ns !== "" ? ns : "default",
    name: typeof meta["name"] === "string" ? meta["name"] : "",
  };
}

export function targetOf(obj: Record<string, unknown>, settings: RenderSettings): Target {
  const source = sourceOf(obj);
  return { source, namespace: settings.namespace ?? source.namespace };
}

/**
 * One rendered object: metadata carries the target namespace and the source labels (plus
 * `extraLabels`); `body` holds the kind's top-level fields (spec, or addressType/endpoints/ports).
 */
export function makeObject(
  apiVersion: string,
  kind: string,
  name: string,
  target: Target,
  body: Record<string, unknown>,
  extraLabels: Record<string, string> = {},
): RenderedObject {
  const obj = {
    ...body,
    apiVersion,
    kind,
    metadata: { name, namespace: target.namespace, labels: { ...extraLabels, ...ownedLabels(target.source) } },
  };
  return canonical(obj) as unknown as RenderedObject;
}
