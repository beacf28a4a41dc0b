import type { KubeObject } from "../kube";
import type { EngineSettings } from "./settings";

/**
 * Which objects in the cluster are this stack's. Source labels say which HTTPProxy (or policy) an
 * object was rendered from, not which stack wrote it: two stacks may render the same names on one
 * cluster. Every object the provider writes therefore carries the stack's identity (the owner id)
 * in an annotation, and the provider only overwrites, forces, prunes or deletes an object whose
 * annotation names this stack (or that the user asked it to adopt).
 */

/** The stack identity on every object the provider writes. */
export const OWNER_ANNOTATION = "pulumi-datum.io/owner";

type Identity = Pick<EngineSettings, "ownerId" | "fieldManager">;

/**
 * The stack's identity: `ownerId` (the plugin defaults it to `<project>/<stack>` from the
 * provider's URN), else the field manager — what earlier versions used, and what a program that
 * drives the engine directly without an owner id gets.
 */
export function ownerIdOf(settings: Identity): string {
  return settings.ownerId ?? settings.fieldManager;
}

/** `urn:pulumi:<stack>::<project>::<type>::<name>` → `<project>/<stack>`. */
export function ownerIdFromUrn(urn: string): string | undefined {
  const m = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(urn);
  return m ? `${m[2]}/${m[1]}` : undefined;
}

/** The identities a stack may have written earlier (the field manager, before ownership marks). */
export function previousOwnerIds(settings: Identity): string[] {
  return settings.ownerId !== undefined && settings.ownerId !== settings.fieldManager ? [settings.fieldManager] : [];
}

export type Ownership =
  | { readonly state: "absent" }
  /** Marked with this stack's owner id. */
  | { readonly state: "mine" }
  /** No mark, written by this stack's field manager: an object of an earlier version of the provider. */
  | { readonly state: "unmarked" }
  | { readonly state: "foreign"; readonly owner: string };

interface ManagedFieldsEntry {
  readonly manager: string;
  readonly subresource: string;
}

function managersOf(o: KubeObject): ManagedFieldsEntry[] {
  const mf = o.metadata["managedFields"];
  if (!Array.isArray(mf)) return [];
  return mf
    .filter((e): e is Record<string, unknown> => e !== null && typeof e === "object")
    .map((e) => ({ manager: typeof e["manager"] === "string" ? e["manager"] : "", subresource: typeof e["subresource"] === "string" ? e["subresource"] : "" }));
}

/** Who an object belongs to, from this stack's point of view. */
export function ownershipOf(live: KubeObject | undefined, settings: Identity): Ownership {
  if (live === undefined) return { state: "absent" };
  const mark = live.metadata.annotations?.[OWNER_ANNOTATION];
  if (mark === ownerIdOf(settings)) return { state: "mine" };
  if (typeof mark === "string" && mark !== "") return { state: "foreign", owner: `stack ${JSON.stringify(mark)}` };
  // Status writers (controllers) are not owners; whoever wrote the object itself is.
  const writers = [...new Set(managersOf(live).filter((e) => e.subresource === "" && e.manager !== "").map((e) => e.manager))];
  if (writers.includes(settings.fieldManager)) return { state: "unmarked" };
  return { state: "foreign", owner: writers.length ? `field manager ${writers.map((w) => JSON.stringify(w)).join(", ")}` : "an unknown writer" };
}

export interface WriteContext {
  /** `adoptExisting`: the user asked to take over objects that are not this stack's. */
  readonly adopt: boolean;
  /** The object is named in this stack's state (it was created or imported by this stack). */
  readonly inState: boolean;
}

/** May apply write (and force on conflicts) this object? */
export function mayWrite(o: Ownership, ctx: WriteContext): boolean {
  return o.state !== "foreign" || ctx.adopt || ctx.inState;
}

/** May delete or prune remove this object? Only what carries this stack's mark (or predates marks). */
export function mayDelete(o: Ownership): boolean {
  return o.state === "mine" || o.state === "unmarked";
}

/** The object as this stack writes it: with its owner mark. */
export function markOwned<T extends { metadata: { annotations?: Record<string, string> } }>(obj: T, settings: Identity): T {
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...(obj.metadata.annotations ?? {}), [OWNER_ANNOTATION]: ownerIdOf(settings) } } };
}

/** Create refused: names the object, its owner, and what to do. */
export function foreignObjectMessage(what: string, owner: string, settings: Identity): string {
  return (
    `${what} already exists and belongs to ${owner}, not to this stack (${JSON.stringify(ownerIdOf(settings))}); ` +
    `nothing was written. Choose another metadata.name or namespace, or take it over on purpose: \`pulumi import\`, or set datum:adoptExisting`
  );
}

/** Delete/prune left an object alone: says whose it is. */
export function leftAloneMessage(what: string, owner: string): string {
  return `${what} was left in place: it belongs to ${owner}, not to this stack`;
}

/** Refused before anything was written: the objects exist and are another stack's. */
export class OwnershipError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(message);
    this.name = "OwnershipError";
  }
}
