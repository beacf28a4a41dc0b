/**
 * Fields the API server will not change in place. When a new render changes one, server-side apply
 * is refused ("field is immutable"); the object is deleted and created again instead, within the
 * same `up`, and preview says so. The render can change only these.
 */
import type { RenderedObject } from "../core/render";
import type { KubeObject } from "../kube";
import { asObj } from "../core/json";

const IMMUTABLE: Readonly<Record<string, readonly (readonly string[])[]>> = {
  // An endpoint that moves between a hostname and an IP (or between IP families) changes it.
  EndpointSlice: [["addressType"]],
};

function at(o: Record<string, unknown>, path: readonly string[]): unknown {
  let v: unknown = o;
  for (const p of path) v = asObj(v)[p];
  return v;
}

/** `addressType: FQDN → IPv4` for each immutable field the render changes on the live object. */
export function immutableChanges(rendered: RenderedObject, live: KubeObject | undefined): string[] {
  if (live === undefined) return [];
  return (IMMUTABLE[rendered.kind] ?? []).flatMap((path) => {
    const want = at(rendered, path);
    const have = at(live as Record<string, unknown>, path);
    return want !== undefined && have !== undefined && want !== have ? [`${path.join(".")}: ${String(have)} → ${String(want)}`] : [];
  });
}

export function replacementNote(o: RenderedObject, changes: readonly string[]): string {
  return `${o.kind} ${o.metadata.namespace}/${o.metadata.name} is replaced (deleted and created again): ${changes.join(", ")} cannot change in place`;
}
