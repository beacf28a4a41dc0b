/**
 * The `pulumirpc.ResourceProvider` service: each RPC decodes Pulumi's wire values (secrets,
 * unknowns, references), calls the engine's ResourceLifecycle for the resource's type token and
 * encodes the answer. No resource logic lives here.
 */
import * as grpc from "@grpc/grpc-js";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { UNKNOWN } from "../core/unknown";
import type { EngineSettings } from "../lifecycle/settings";
import { ownerIdFromUrn } from "../lifecycle/ownership";
import { PartialFailureError, type OperationContext, type ResourceLifecycle } from "../lifecycle/types";
import type * as ConfigModule from "./config";
import { credentialPaths, stateSecretPaths } from "./credentials";
import { engineLog, type EngineLog } from "./engine-log";
import { Operations } from "./operations";
import { rootProperty } from "./property-path";
import { redactor } from "./redact";
import { initFailedError, rpcError, type RpcError } from "./rpc-errors";
import { decodeProperties, encodeProperties, plainJson, SecretSet, type Decoded } from "./wire";

/** The lifecycles of one provider instance (one cluster), by type token, and what to close at shutdown. */
export interface LifecycleSet {
  byToken: Map<string, ResourceLifecycle>;
  engine?: { close(): Promise<void> };
}

/** What the plugin needs from the engine: the lifecycles for one cluster's settings. */
export interface EngineModule {
  lifecycles(settings: EngineSettings): LifecycleSet | Promise<LifecycleSet>;
}

export interface PluginOptions {
  version: string;
  /** schema.json text. */
  schema(): string;
  /** Loaded on Configure: the engine pulls in the Kubernetes client, which GetSchema never needs. */
  loadEngine(): Promise<EngineModule>;
  /** The engine's gRPC address (argv[0] of the plugin), for log messages. */
  engineAddress?: string;
}

class RpcFailure extends Error {
  constructor(readonly rpc: RpcError) {
    super(rpc.details);
  }
}

type Redact = (text: string) => string;

const CLUSTER_KEYS = ["kubeconfig", "context"];

/** Provider settings pull in zod; loaded on the first config RPC, not at start-up. */
function loadConfigModule(): Promise<typeof ConfigModule> {
  return import("./config.js");
}

function toJs(s: Struct | undefined): Record<string, unknown> | undefined {
  return s ? (s.toJavaScript() as Record<string, unknown>) : undefined;
}

function toStruct(v: Record<string, unknown>): Struct {
  return Struct.fromJavaScript(plainJson(v) as Parameters<typeof Struct.fromJavaScript>[0]);
}

function isEmpty(v: Record<string, unknown> | undefined): boolean {
  return v === undefined || Object.keys(v).length === 0;
}

/** `urn:pulumi:stack::project::type::name` → `name` (for engines that do not send the name field). */
export function urnName(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i < 0 ? urn : urn.slice(i + 2);
}

/** By shape as well as by class: the engine may have been loaded from another copy of types.ts. */
function isPartialFailure(e: unknown): e is PartialFailureError {
  if (e instanceof PartialFailureError) return true;
  if (!(e instanceof Error) || e.name !== "PartialFailureError") return false;
  const o = e as Partial<PartialFailureError>;
  return typeof o.id === "string" && Array.isArray(o.reasons);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class DatumProviderService {
  private engineAddress: string | undefined;
  private readonly log: EngineLog;
  private readonly ops = new Operations();
  private unknownConfigKeys: string[] = [];
  private configSecrets = new SecretSet();
  private configSecretValues = new SecretSet();
  private lifecycles: Map<string, ResourceLifecycle> | undefined;
  private engine: LifecycleSet["engine"];
  private outputNamesByToken: Map<string, string[]> | undefined;

  constructor(private readonly opts: PluginOptions) {
    this.engineAddress = opts.engineAddress;
    this.log = engineLog(() => this.engineAddress);
  }

  /** The handlers for `server.addService`; RPCs not listed answer UNIMPLEMENTED. */
  handlers(): grpc.UntypedServiceImplementation {
    return {
      handshake: this.unary((r: providerPb.ProviderHandshakeRequest) => this.handshake(r)),
      getPluginInfo: this.unary(() => this.getPluginInfo()),
      getSchema: this.unary((r: providerPb.GetSchemaRequest) => this.getSchema(r)),
      checkConfig: this.unary((r: providerPb.CheckRequest) => this.checkConfig(r)),
      diffConfig: this.unary((r: providerPb.DiffRequest) => this.diffConfig(r)),
      configure: this.unary((r: providerPb.ConfigureRequest) => this.configure(r)),
      check: this.unary((r: providerPb.CheckRequest) => this.check(r)),
      diff: this.unary((r: providerPb.DiffRequest) => this.diff(r)),
      create: this.unary((r: providerPb.CreateRequest) => this.create(r)),
      read: this.unary((r: providerPb.ReadRequest) => this.read(r)),
      update: this.unary((r: providerPb.UpdateRequest) => this.update(r)),
      delete: this.unary((r: providerPb.DeleteRequest) => this.delete(r)),
      cancel: this.unary(() => this.cancel()),
      attach: this.unary((r: pluginPb.PluginAttach) => this.attach(r)),
    };
  }

  /** Waits for log lines in flight (tests; shutdown). */
  async flush(): Promise<void> {
    await this.log.flush();
  }

  /** Cancels what is in flight and releases the cluster connection and the engine's log channel. */
  async close(): Promise<void> {
    this.ops.cancelAll();
    this.log.close();
    await this.engine?.close().catch(() => undefined);
  }

  private unary<Req, Res>(fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      fn(call.request).then(
        (res) => callback(null, res),
        (e: unknown) => {
          const err: RpcError = e instanceof RpcFailure ? e.rpc : rpcError(grpc.status.INTERNAL, messageOf(e));
          callback(err as grpc.ServerErrorResponse);
        },
      );
    };
  }

  // ---- plugin ------------------------------------------------------------------------------

  private async handshake(req: providerPb.ProviderHandshakeRequest): Promise<providerPb.ProviderHandshakeResponse> {
    if (req.getEngineAddress()) this.engineAddress = req.getEngineAddress();
    const res = new providerPb.ProviderHandshakeResponse();
    res.setAcceptSecrets(true);
    res.setAcceptResources(true);
    res.setAcceptOutputs(false);
    return res;
  }

  private async attach(req: pluginPb.PluginAttach): Promise<Empty> {
    // `pulumi up --attach-debugger`-style runs start the plugin themselves and tell it the engine later.
    this.engineAddress = req.getAddress();
    return new Empty();
  }

  private async getPluginInfo(): Promise<pluginPb.PluginInfo> {
    const info = new pluginPb.PluginInfo();
    info.setVersion(this.opts.version);
    return info;
  }

  private async getSchema(req: providerPb.GetSchemaRequest): Promise<providerPb.GetSchemaResponse> {
    if (req.getVersion() !== 0) throw new RpcFailure(rpcError(grpc.status.INVALID_ARGUMENT, `unsupported schema version ${req.getVersion()}`));
    if (req.getSubpackageName()) throw new RpcFailure(rpcError(grpc.status.NOT_FOUND, `datum has no subpackage ${req.getSubpackageName()}`));
    const res = new providerPb.GetSchemaResponse();
    res.setSchema(this.opts.schema());
    return res;
  }

  private async cancel(): Promise<Empty> {
    this.ops.cancelAll();
    return new Empty();
  }

  // ---- provider configuration -------------------------------------------------------------

  private async checkConfig(req: providerPb.CheckRequest): Promise<providerPb.CheckResponse> {
    const cfg = await loadConfigModule();
    const news = cfg.decodeConfig(toJs(req.getNews()));
    const redact = redactor(news.secrets);
    const res = new providerPb.CheckResponse();
    const outcome = cfg.settingsFrom(news);
    if (!outcome.ok) {
      res.setFailuresList(outcome.failures.map((f) => checkFailure(f.property, redact(f.reason))));
    }
    // Return what the user wrote (not the defaults), secrets wrapped, so state does not churn.
    const raw = decodeProperties(toJs(req.getNews()));
    for (const k of cfg.SECRET_CONFIG_KEYS) if (k in raw.value) raw.secrets.addPath([k], raw.value[k]);
    for (const k of cfg.secretObjectKeys(raw.value)) if (!raw.secrets.hasPath([k])) raw.secrets.addPath([k], undefined);
    res.setInputs(toStruct(encodeProperties(raw.value, raw.secrets)));
    return res;
  }

  private async diffConfig(req: providerPb.DiffRequest): Promise<providerPb.DiffResponse> {
    const cfg = await loadConfigModule();
    const d = cfg.diffConfig(cfg.decodeConfig(toJs(req.getOlds())), cfg.decodeConfig(toJs(req.getNews())));
    const res = new providerPb.DiffResponse();
    res.setChanges(d.changed.length > 0 ? providerPb.DiffResponse.DiffChanges.DIFF_SOME : providerPb.DiffResponse.DiffChanges.DIFF_NONE);
    res.setDiffsList(d.changed);
    res.setReplacesList(d.replaces);
    const detailed = res.getDetaileddiffMap();
    for (const k of d.changed) {
      const pd = new providerPb.PropertyDiff();
      pd.setKind(d.replaces.includes(k) ? providerPb.PropertyDiff.Kind.UPDATE_REPLACE : providerPb.PropertyDiff.Kind.UPDATE);
      pd.setInputdiff(true);
      detailed.set(k, pd);
    }
    res.setHasdetaileddiff(true);
    return res;
  }

  private async configure(req: providerPb.ConfigureRequest): Promise<providerPb.ConfigureResponse> {
    const cfg = await loadConfigModule();
    const args = toJs(req.getArgs());
    const raw = !isEmpty(args) ? args : cfg.configFromVariables(req.getVariablesMap().toArray());
    const decoded = cfg.decodeConfig(raw);
    const redact = redactor(decoded.secrets);
    const outcome = cfg.settingsFrom(decoded);
    if (!outcome.ok) {
      const lines = outcome.failures.map((f) => redact(f.reason));
      throw new RpcFailure(rpcError(grpc.status.INVALID_ARGUMENT, `invalid datum provider configuration:\n  ${lines.join("\n  ")}`));
    }
    this.unknownConfigKeys = decoded.unknownKeys;
    this.configSecrets = decoded.secrets;
    this.configSecretValues = new SecretSet();
    for (const v of decoded.secrets.plainValues()) this.configSecretValues.addValue(v);
    // Not when the kubeconfig is an output not known yet: the default chain is not what will be used.
    if (!decoded.unknownKeys.includes("kubeconfig")) for (const w of cfg.kubeconfigWarnings(decoded.input)) this.log.log("warning", redact(w), req.getUrn() || undefined);
    if (decoded.unknownKeys.length > 0) {
      this.log.log(
        "info",
        `datum provider settings not known until apply: ${decoded.unknownKeys.map((k) => `datum:${k}`).join(", ")}; preview uses defaults for them`,
        req.getUrn() || undefined,
      );
    }
    // The stack's identity on the cluster: the user's datum:ownerId, else <project>/<stack> from the provider's URN.
    const ownerId = outcome.settings.ownerId ?? ownerIdFromUrn(req.getUrn() ?? "");
    const settings = ownerId !== undefined ? { ...outcome.settings, ownerId } : outcome.settings;
    try {
      const set = await (await this.opts.loadEngine()).lifecycles(settings);
      await this.engine?.close();
      this.lifecycles = set.byToken;
      this.engine = set.engine;
    } catch (e) {
      throw new RpcFailure(rpcError(grpc.status.INTERNAL, `datum provider failed to start: ${redact(messageOf(e))}`));
    }
    const res = new providerPb.ConfigureResponse();
    res.setAcceptsecrets(true);
    res.setSupportspreview(true);
    res.setAcceptresources(true);
    res.setAcceptoutputs(false);
    return res;
  }

  // ---- resources ---------------------------------------------------------------------------

  private lifecycle(token: string, urn: string): ResourceLifecycle {
    if (!this.lifecycles) {
      throw new RpcFailure(rpcError(grpc.status.FAILED_PRECONDITION, "the datum provider is not configured yet (Configure was not called)"));
    }
    const type = token || urn.split("::")[2] || "";
    const lc = this.lifecycles.get(type);
    if (!lc) {
      const known = [...this.lifecycles.keys()].sort().join(", ");
      throw new RpcFailure(rpcError(grpc.status.INVALID_ARGUMENT, `unknown resource type ${JSON.stringify(type)}; this provider manages ${known}`));
    }
    return lc;
  }

  private get clusterUnknown(): boolean {
    return this.unknownConfigKeys.some((k) => CLUSTER_KEYS.includes(k));
  }

  private redactFor(...decoded: (Decoded | undefined)[]): Redact {
    const credentials = new SecretSet();
    for (const d of decoded) for (const c of credentialPaths(d?.value)) credentials.addPath(c.path, c.value);
    return redactor(this.configSecrets, credentials, ...decoded.map((d) => d?.secrets));
  }

  /** `secrets`: what the request marked secret, which the engine keeps out of annotations. */
  private context(urn: string, redact: Redact, signal: AbortSignal, preview: boolean, timeoutSeconds: number, secrets?: SecretSet): OperationContext {
    return {
      preview,
      signal,
      ...(timeoutSeconds > 0 && { timeoutMs: Math.round(timeoutSeconds * 1000) }),
      onProgress: (m) => this.log.log("info", redact(m), urn, true),
      onWarning: (m) => this.log.log("warning", redact(m), urn),
      ...(secrets !== undefined && { secretValues: new Set(secrets.plainValues()) }),
    };
  }

  private failure(e: unknown, redact: Redact, secrets: SecretSet, inputs?: Record<string, unknown>): RpcFailure {
    if (e instanceof RpcFailure) return e;
    if (isPartialFailure(e)) {
      return new RpcFailure(
        initFailedError(redact(e.message), {
          id: e.id,
          properties: toStruct(this.encode(e.outputs, secrets)),
          ...(inputs && { inputs: toStruct(this.encode(inputs, secrets)) }),
          reasons: e.reasons.map(redact),
        }),
      );
    }
    const code = this.ops.isCancelled ? grpc.status.CANCELLED : grpc.status.UNKNOWN;
    return new RpcFailure(rpcError(code, redact(messageOf(e))));
  }

  /**
   * Marks secrets of the request, credential headers, and anything carrying the text of a secret
   * provider setting (kubeconfig).
   */
  private encode(value: Record<string, unknown>, secrets: SecretSet): Record<string, unknown> {
    const all = new SecretSet().merge(secrets).merge(this.configSecretValues);
    for (const c of credentialPaths(value)) all.addPath(c.path, c.value);
    for (const c of stateSecretPaths(value)) all.addPath(c.path, c.value);
    return encodeProperties(value, all);
  }

  private decode(s: Struct | undefined): Decoded {
    return decodeProperties(toJs(s));
  }

  private async check(req: providerPb.CheckRequest): Promise<providerPb.CheckResponse> {
    const lc = this.lifecycle(req.getType(), req.getUrn());
    const news = this.decode(req.getNews());
    const olds = req.getOlds() ? this.decode(req.getOlds()) : undefined;
    const redact = this.redactFor(news, olds);
    const res = new providerPb.CheckResponse();
    if (news.problems.length > 0) {
      res.setFailuresList(news.problems.map((p) => checkFailure(p.property, redact(p.reason))));
      res.setInputs(toStruct(this.encode(news.value, news.secrets)));
      return res;
    }
    const seed = req.getRandomseed_asU8();
    try {
      const r = await lc.check(olds && !isEmpty(olds.value) ? olds.value : undefined, news.value, {
        urnName: req.getName() || urnName(req.getUrn()),
        ...(seed.length > 0 && { randomSeed: seed }),
      });
      res.setInputs(toStruct(this.encode(r.inputs, news.secrets)));
      res.setFailuresList(r.failures.map((f) => checkFailure(f.property, redact(f.reason))));
      for (const w of r.warnings ?? []) this.log.log("warning", redact(w), req.getUrn() || undefined);
      for (const n of r.notes ?? []) this.log.log("info", redact(n), req.getUrn() || undefined);
      return res;
    } catch (e) {
      throw this.failure(e, redact, news.secrets);
    }
  }

  private async diff(req: providerPb.DiffRequest): Promise<providerPb.DiffResponse> {
    const lc = this.lifecycle(req.getType(), req.getUrn());
    const olds = this.decode(req.getOlds());
    const news = this.decode(req.getNews());
    const redact = this.redactFor(olds, news);
    const urn = req.getUrn();
    try {
      // Diff never writes, whether or not this is a preview, so it always runs as one.
      const d = await this.ops.run((signal) => lc.diff(req.getId(), olds.value, news.value, this.context(urn, redact, signal, true, 0)));
      const res = new providerPb.DiffResponse();
      const DC = providerPb.DiffResponse.DiffChanges;
      res.setChanges(d.changes ? DC.DIFF_SOME : DC.DIFF_NONE);
      res.setReplacesList(d.replaces);
      res.setDeletebeforereplace(d.deleteBeforeReplace);
      const detailed = res.getDetaileddiffMap();
      const roots = new Set<string>();
      for (const [path, pd] of Object.entries(d.detailedDiff)) {
        const p = new providerPb.PropertyDiff();
        p.setKind(providerPb.PropertyDiff.Kind[pd.kind]);
        p.setInputdiff(pd.inputDiff);
        detailed.set(path, p);
        roots.add(rootProperty(path));
      }
      for (const r of d.replaces) roots.add(rootProperty(r));
      res.setDiffsList([...roots].sort());
      res.setHasdetaileddiff(true);
      const ds = d.downstream;
      const planned = [
        ...ds.create.map((r) => `create ${refText(r)}`),
        ...ds.update.map((r) => `update ${refText(r)}`),
        ...ds.delete.map((r) => `delete ${refText(r)}`),
      ];
      if (d.changes && planned.length > 0) this.log.log("info", redact(`downstream: ${planned.join(", ")}`), urn, true);
      for (const note of d.notes ?? []) this.log.log("info", redact(note), urn);
      return res;
    } catch (e) {
      throw this.failure(e, redact, olds.secrets.merge(news.secrets));
    }
  }

  private async create(req: providerPb.CreateRequest): Promise<providerPb.CreateResponse> {
    const token = req.getType() || req.getUrn().split("::")[2] || "";
    const lc = this.lifecycle(token, req.getUrn());
    const inputs = this.decode(req.getProperties());
    const redact = this.redactFor(inputs);
    const preview = req.getPreview();
    const res = new providerPb.CreateResponse();
    if (preview && this.clusterUnknown) {
      res.setProperties(toStruct(this.encode(this.withUnknownOutputs(token, inputs.value), inputs.secrets)));
      return res;
    }
    this.requireKnownCluster(preview);
    try {
      const r = await this.ops.run((signal) => lc.create(inputs.value, this.context(req.getUrn(), redact, signal, preview, req.getTimeout(), inputs.secrets)));
      const outputs = preview ? this.withUnknownOutputs(token, r.outputs) : r.outputs;
      res.setId(preview ? "" : r.id);
      res.setProperties(toStruct(this.encode(outputs, inputs.secrets)));
      return res;
    } catch (e) {
      throw this.failure(e, redact, inputs.secrets, inputs.value);
    }
  }

  private async read(req: providerPb.ReadRequest): Promise<providerPb.ReadResponse> {
    const lc = this.lifecycle(req.getType(), req.getUrn());
    const state = this.decode(req.getProperties());
    const inputs = this.decode(req.getInputs());
    const secrets = new SecretSet().merge(state.secrets).merge(inputs.secrets);
    const redact = this.redactFor(state, inputs);
    this.requireKnownCluster(false);
    try {
      const r = await this.ops.run((signal) =>
        lc.read(
          req.getId(),
          isEmpty(state.value) ? undefined : state.value,
          isEmpty(inputs.value) ? undefined : inputs.value,
          this.context(req.getUrn(), redact, signal, false, req.getTimeout(), secrets),
        ),
      );
      const res = new providerPb.ReadResponse();
      // An empty id tells the engine the object is gone (refresh drops it; import fails).
      if (!r) return res;
      res.setId(r.id);
      res.setProperties(toStruct(this.encode(r.outputs, secrets)));
      res.setInputs(toStruct(this.encode(r.inputs, secrets)));
      return res;
    } catch (e) {
      throw this.failure(e, redact, secrets);
    }
  }

  private async update(req: providerPb.UpdateRequest): Promise<providerPb.UpdateResponse> {
    const token = req.getType() || req.getUrn().split("::")[2] || "";
    const lc = this.lifecycle(token, req.getUrn());
    const olds = this.decode(req.getOlds());
    const news = this.decode(req.getNews());
    const secrets = new SecretSet().merge(olds.secrets).merge(news.secrets);
    const redact = this.redactFor(olds, news);
    const preview = req.getPreview();
    const res = new providerPb.UpdateResponse();
    if (preview && this.clusterUnknown) {
      res.setProperties(toStruct(this.encode(this.withUnknownOutputs(token, news.value), news.secrets)));
      return res;
    }
    this.requireKnownCluster(preview);
    try {
      const r = await this.ops.run((signal) =>
        lc.update(req.getId(), olds.value, news.value, this.context(req.getUrn(), redact, signal, preview, req.getTimeout(), secrets)),
      );
      const outputs = preview ? this.withUnknownOutputs(token, r.outputs) : r.outputs;
      res.setProperties(toStruct(this.encode(outputs, news.secrets)));
      return res;
    } catch (e) {
      throw this.failure(e, redact, secrets, news.value);
    }
  }

  private async delete(req: providerPb.DeleteRequest): Promise<Empty> {
    const lc = this.lifecycle(req.getType(), req.getUrn());
    const state = this.decode(req.getProperties());
    const redact = this.redactFor(state);
    this.requireKnownCluster(false);
    try {
      await this.ops.run((signal) => lc.delete(req.getId(), state.value, this.context(req.getUrn(), redact, signal, false, req.getTimeout())));
      return new Empty();
    } catch (e) {
      throw this.failure(e, redact, state.secrets);
    }
  }

  private requireKnownCluster(preview: boolean): void {
    if (!preview && this.clusterUnknown) {
      const keys = this.unknownConfigKeys.filter((k) => CLUSTER_KEYS.includes(k)).map((k) => `datum:${k}`);
      throw new RpcFailure(rpcError(grpc.status.FAILED_PRECONDITION, `the target cluster is not known: ${keys.join(", ")} has no value yet`));
    }
  }

  /**
   * At preview, an output the engine could not compute is unknown, not absent: an absent output
   * reads as `undefined` in the program and would be passed on as "no value" to other resources.
   */
  private withUnknownOutputs(token: string, outputs: Record<string, unknown>): Record<string, unknown> {
    const out = { ...outputs };
    for (const name of this.outputNames(token)) if (!(name in out)) out[name] = UNKNOWN;
    return out;
  }

  private outputNames(token: string): string[] {
    if (!this.outputNamesByToken) {
      const m = new Map<string, string[]>();
      try {
        const schema = JSON.parse(this.opts.schema()) as { resources?: Record<string, { properties?: object; inputProperties?: object }> };
        for (const [tok, r] of Object.entries(schema.resources ?? {})) {
          const ins = new Set(Object.keys(r.inputProperties ?? {}));
          m.set(tok, Object.keys(r.properties ?? {}).filter((k) => !ins.has(k)));
        }
      } catch {
        // Without a schema there is nothing to mark; previews then show outputs as absent.
      }
      this.outputNamesByToken = m;
    }
    return this.outputNamesByToken.get(token) ?? [];
  }
}

function checkFailure(property: string, reason: string): providerPb.CheckFailure {
  const f = new providerPb.CheckFailure();
  f.setProperty(property);
  f.setReason(reason);
  return f;
}

function refText(r: { kind: string; namespace?: string; name: string }): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`;
}
