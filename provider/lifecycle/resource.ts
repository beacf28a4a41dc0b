import type { GuardrailConfig } from "../core/config";
import { checkInputs } from "./check";
import { diffInputs, downstreamDiff } from "./diff";
import type { Engine } from "./engine";
import { parseResourceId, resourceId, toObject, type NormalizeContext } from "./inputs";
import type { ResourceKind } from "./kinds";
import type { CheckResult, DiffResult, DownstreamRef, OperationContext, ReadResult, ResourceInputs, ResourceLifecycle, ResourceState } from "./types";
import { containsUnknown } from "../core/unknown";
import { renewalNotes } from "./httpproxy/acme-certificates";
import { asObj, type Obj } from "../core/json";
import { isProxyKind } from "../core/render";

function refsOf(state: ResourceState | undefined): DownstreamRef[] {
  const d = state?.["downstream"];
  return Array.isArray(d) ? (d.filter((r) => r !== null && typeof r === "object") as DownstreamRef[]) : [];
}

function hasHostnames(v: ResourceInputs | ResourceState): boolean {
  const spec = v["spec"];
  const list = asObj(spec)["hostnames"];
  return Array.isArray(list) && list.length > 0;
}

/**
 * The lifecycle of a resource that renders to downstream objects (HTTPProxy and the policies):
 * check = admission, diff = inputs + downstream objects, create/update = apply + prune + await,
 * read = rebuild from the cluster with drift, delete = everything labelled as ours.
 */
export class RenderedResourceLifecycle implements ResourceLifecycle {
  readonly token: string;

  constructor(
    private readonly kind: ResourceKind,
    private readonly engine: Engine,
  ) {
    this.token = kind.token;
  }

  private get config(): GuardrailConfig {
    return this.engine.settings.guardrails;
  }

  private normalize(urnName = "resource", randomSeed?: Uint8Array): NormalizeContext {
    return { urnName, defaultNamespace: this.engine.defaultNamespace, ...(randomSeed ? { randomSeed } : {}) };
  }

  private object(inputs: ResourceInputs): Obj {
    return toObject(this.kind, inputs, undefined, this.normalize());
  }

  async check(olds: ResourceInputs | undefined, news: ResourceInputs, ctx: { urnName: string; randomSeed?: Uint8Array }): Promise<CheckResult> {
    return checkInputs(this.kind, olds, news, { ...this.normalize(ctx.urnName, ctx.randomSeed), config: this.config });
  }

  async diff(_id: string, olds: ResourceState, news: ResourceInputs): Promise<DiffResult> {
    let downstream: DiffResult["downstream"] = { create: [], update: [], delete: [] };
    if (!containsUnknown(news)) {
      try {
        const old = this.object(olds);
        downstream = downstreamDiff(this.engine.renderSource(this.kind, old), this.engine.renderSource(this.kind, this.object(news), old));
      } catch {
        // An old state that no longer renders (e.g. stricter guardrails) only loses the downstream detail.
      }
    }
    const d = diffInputs(olds, news, downstream);
    // ACME mode: a stored certificate close to expiry makes an update on its own ("renewal due").
    const acme = isProxyKind(this.kind.kind) ? this.engine.acmeSettings() : undefined;
    if (acme !== undefined && !containsUnknown(news)) {
      const due = await renewalNotes(this.engine.listenerCertificates(this.object(news)), olds, acme, this.engine.now()).catch(() => []);
      if (due.length > 0) {
        // No detailedDiff entry: `certificates` is an output the program never sets, and the CLI
        // would show an entry for it as the removal of the stored list. The notes say why.
        d.changes = true;
        d.notes = [...(d.notes ?? []), ...due.map((n) => `listener ${n.listener}: ${n.message}`)];
      }
    }
    // Hostname claims belong to one HTTPProxy (namespace/name): the replacement could not claim
    // the hostnames while the old proxy still holds them, so the old one goes first.
    if (isProxyKind(this.kind.kind) && d.replaces.length > 0 && (hasHostnames(olds) || hasHostnames(news))) return { ...d, deleteBeforeReplace: true };
    return d;
  }

  async create(inputs: ResourceInputs, ctx: OperationContext): Promise<{ id: string; outputs: ResourceState }> {
    const source = this.object(inputs);
    const id = resourceId(source);
    if (ctx.preview) return { id, outputs: await this.engine.preview(this.kind, source, ctx) };
    return { id, outputs: await this.engine.apply(this.kind, source, [], ctx) };
  }

  async update(_id: string, olds: ResourceState, news: ResourceInputs, ctx: OperationContext): Promise<{ outputs: ResourceState }> {
    const source = this.object(news);
    // Admitted as an UPDATE of the previous object, as check did.
    const old = this.object(olds);
    if (ctx.preview) return { outputs: await this.engine.preview(this.kind, source, ctx, old, refsOf(olds)) };
    return { outputs: await this.engine.apply(this.kind, source, refsOf(olds), ctx, { state: olds, source: old }) };
  }

  async read(id: string, _state: ResourceState | undefined, _inputs: ResourceInputs | undefined, ctx: OperationContext): Promise<ReadResult | undefined> {
    const ref = parseResourceId(id);
    if (!ref) throw new Error(`invalid id ${JSON.stringify(id)}: use <namespace>/<name>`);
    // Credential values are not in the cluster's copy of the source: refresh takes them from what it already has.
    const found = await this.engine.read(this.kind, ref.namespace, ref.name, ctx, { inputs: _inputs, state: _state });
    if (!found) return undefined;
    const { downstream: _d, ready: _r, readiness: _rd, drift: _dr, canonicalHostname: _c, addresses: _a, hostnames: _h, ...inputs } = found.state;
    // Issued certificates and keys exist only in state: a refresh keeps them and checks their Secrets.
    const outputs = isProxyKind(this.kind.kind) ? await this.engine.carryCertificates(found.state, _state, ctx) : found.state;
    return { id: `${ref.namespace}/${ref.name}`, outputs, inputs };
  }

  /** The id names the source; state may be empty (e.g. after a failed create), so it is not relied on. */
  async delete(id: string, _state: ResourceState, ctx: OperationContext): Promise<void> {
    const ref = parseResourceId(id);
    if (!ref) throw new Error(`invalid id ${JSON.stringify(id)}: use <namespace>/<name>`);
    await this.engine.delete(this.kind, { metadata: { name: ref.name, namespace: ref.namespace } }, ctx, refsOf(_state));
  }
}
