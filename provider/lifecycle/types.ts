/**
 * The transport-free contract between the Pulumi transports (native plugin, dynamic adapter) and
 * the engine. Values are plain JSON; the transports map them onto gRPC structs / dynamic results.
 * Secrets are marked by the transport (see `SecretPaths`), never by the engine.
 */

/** Inputs of one resource as a user writes them: Kubernetes-style `{metadata?, spec}`. */
export type ResourceInputs = Record<string, unknown>;
/** What the engine keeps in state: inputs plus outputs (ids of downstream objects, status summary). */
export type ResourceState = Record<string, unknown>;

export interface CheckFailure {
  /** Property path in Pulumi's form (`spec.rules[0].backends[0].endpoint`). */
  property: string;
  /** Human message: the Kubernetes field path, type text and NSO's message. */
  reason: string;
}

export interface CheckResult {
  inputs: ResourceInputs;
  failures: CheckFailure[];
  /** `<field>: <message>` lines the engine shows as warnings (admitted, but worth knowing). */
  warnings?: string[];
  /** `<field>: <message>` lines the engine shows as information (what the admitted object will do). */
  notes?: string[];
}

export type PropertyDiffKind = "ADD" | "ADD_REPLACE" | "DELETE" | "DELETE_REPLACE" | "UPDATE" | "UPDATE_REPLACE";

export interface DownstreamRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** Keyed by property path, as Pulumi's detailedDiff. */
  detailedDiff: Record<string, { kind: PropertyDiffKind; inputDiff: boolean }>;
  /** Downstream objects the change would create, change or delete (shown in preview). */
  downstream: { create: DownstreamRef[]; update: DownstreamRef[]; delete: DownstreamRef[] };
  /** Why the resource changes although its inputs do not (e.g. "renewal due: …"); shown in preview. */
  notes?: string[];
}

export interface OperationContext {
  /** True during `pulumi preview`: no writes; dry-run at most. */
  preview: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Progress for the engine's log ("Gateway default/app: Programmed=False (AddressNotAssigned)"). */
  onProgress?: (message: string) => void;
  /** Warnings for the engine's log (e.g. cluster unreachable at preview). */
  onWarning?: (message: string) => void;
  /** Plain values of what the program marked secret: kept out of annotations (see source-annotation). */
  secretValues?: ReadonlySet<string>;
}

export interface CreateResult {
  id: string;
  outputs: ResourceState;
}

export interface ReadResult {
  id: string;
  outputs: ResourceState;
  /** Inputs reconstructed from the cluster (import, refresh). */
  inputs: ResourceInputs;
}

/**
 * Thrown by create/update when some downstream objects exist but the resource is not ready
 * (timeout, terminal condition, apiserver failure part-way). The transport reports it through
 * Pulumi's init-error path so state keeps `id`/`outputs` and the next `up` repairs it.
 */
export class PartialFailureError extends Error {
  constructor(
    message: string,
    readonly id: string,
    readonly outputs: ResourceState,
    readonly reasons: string[],
  ) {
    super(message);
    this.name = "PartialFailureError";
  }
}

export interface ResourceLifecycle {
  /** Pulumi type token, e.g. `datum:networking:HTTPProxy`. */
  readonly token: string;
  check(olds: ResourceInputs | undefined, news: ResourceInputs, ctx: { urnName: string; randomSeed?: Uint8Array }): Promise<CheckResult>;
  diff(id: string, olds: ResourceState, news: ResourceInputs, ctx: OperationContext): Promise<DiffResult>;
  create(inputs: ResourceInputs, ctx: OperationContext): Promise<CreateResult>;
  read(id: string, state: ResourceState | undefined, inputs: ResourceInputs | undefined, ctx: OperationContext): Promise<ReadResult | undefined>;
  update(id: string, olds: ResourceState, news: ResourceInputs, ctx: OperationContext): Promise<{ outputs: ResourceState }>;
  delete(id: string, state: ResourceState, ctx: OperationContext): Promise<void>;
}
