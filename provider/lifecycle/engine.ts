import { applyOrder, render, sourceSelector, canonicalHostname, isProxyKind, ownedLabels, httpProxyCertificates, type RenderContext, type RenderedObject } from "../core/render";
import type { HTTPProxy } from "../core/models/httpproxy";
import type { AcmeCertificatesSettings } from "../acme/settings";
import type { ResourceKind } from "./kinds";
import { annotateSource, DOWNSTREAM_KINDS, PRIMARY_KIND, refKey, refOf, SOURCE_ANNOTATION } from "./downstream";
import { annotationSizeErrors } from "./annotation-size";
import { decodeSourceAnnotation, isCredentialMarker, missingCredentialsMessage, restoreCredentials, sameCredential } from "./source-annotation";
import { isCredentialEntry } from "../core/credentials";
import { resourceId, sourceIdentity, toInputs } from "./inputs";
import { renderSettingsOf, type EngineSettings } from "./settings";
import { PartialFailureError, type DownstreamRef, type OperationContext, type ResourceState } from "./types";
import { UNKNOWN, containsUnknown } from "../core/unknown";
import { isFieldManagerConflict, MissingKindError, type KubeClient, type KubeObject, type RequestCounter } from "../kube";
import { foreignObjectMessage, leftAloneMessage, markOwned, mayDelete, mayWrite, ownershipOf, OwnershipError, type WriteContext } from "./ownership";
import type { AwaitResult } from "../await";
import { admitHostnames, customHostnames, foreseeRefusals, refusalWarnings, releaseClaims, type AdmittedHostnames, type RefusedHostname } from "./httpproxy/hostnames";
import { proxyStatus } from "./httpproxy/hostname-status";
import { normalizeHostname } from "../core/domain/coverage";
import { checkGatewayClasses } from "./gateway-class";
import { awaitHostnameReadiness } from "./httpproxy/hostname-readiness";
import { contextKey, gatewayAddressesOf, readRenderContext, type LiveContext } from "./httpproxy/render-context";
import { immutableChanges, replacementNote } from "./immutable";
import { CertificateIssueError, ensureCertificates, storedAccountOf, storedCertificatesOf, type StoredAcmeAccount, type StoredCertificate } from "./httpproxy/acme-certificates";
import { asObj, isObj, type Obj } from "../core/json";

/** What ACME mode adds to an HTTPProxy's state. */
interface CertificateState {
  certificates: StoredCertificate[];
  account: StoredAcmeAccount | undefined;
  secretRefs: DownstreamRef[];
}


/**
 * One engine per target cluster (per provider instance): renders a source resource, applies its
 * downstream objects with server-side apply in dependency order, prunes what the new render no
 * longer has, and waits for readiness. The Kubernetes client is created on first use, so check
 * and diff never touch the cluster.
 */
export class Engine {
  private clientPromise: Promise<KubeClient> | undefined;

  constructor(
    readonly settings: EngineSettings,
    private readonly deps: { metrics?: RequestCounter; clientFactory?: (s: EngineSettings) => Promise<KubeClient>; now?: () => number } = {},
  ) {}

  /** Wall clock for certificate renewal decisions (injectable: tests move time forward). */
  now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** True when this provider issues listener certificates itself. */
  get acmeMode(): boolean {
    return this.settings.certificates.mode === "acme";
  }

  /** The ACME settings, in ACME mode. */
  acmeSettings(): AcmeCertificatesSettings | undefined {
    const c = this.settings.certificates;
    return c.mode === "acme" ? c : undefined;
  }

  /** The listener certificates an HTTPProxy needs under these settings. */
  listenerCertificates(source: Obj) {
    return httpProxyCertificates(source as unknown as HTTPProxy, renderSettingsOf(this.settings));
  }

  get defaultNamespace(): string {
    return this.settings.namespace ?? "default";
  }

  client(): Promise<KubeClient> {
    if (!this.clientPromise) {
      const make =
        this.deps.clientFactory ??
        (async (s: EngineSettings) => {
          const kube = await import("../kube/index.js");
          return kube.createKubeClient(
            { ...(s.kubeconfig !== undefined ? { kubeconfig: s.kubeconfig } : {}), ...(s.context !== undefined ? { context: s.context } : {}) },
            { fieldManager: s.fieldManager, ...(this.deps.metrics ? { metrics: this.deps.metrics } : {}) },
          );
        });
      this.clientPromise = make(this.settings);
      this.clientPromise.catch(() => {
        this.clientPromise = undefined;
      });
    }
    return this.clientPromise;
  }

  async close(): Promise<void> {
    if (this.clientPromise) await (await this.clientPromise).close().catch(() => undefined);
  }

  /**
   * The downstream objects of one source object, annotated with the source for refresh/import.
   * Objects the API server would refuse for their annotations' size fail here, before any write.
   */
  renderSource(kind: ResourceKind, source: Obj, oldSource?: Obj, secrets?: ReadonlySet<string>, context: RenderContext = {}): RenderedObject[] {
    const result = render([source], renderSettingsOf(this.settings), context, oldSource !== undefined ? { oldObjects: [oldSource] } : {});
    const { namespace, name } = sourceIdentity(source);
    if (result.errors.length) {
      const lines = result.errors.flatMap((e) => e.errors.map((f) => (f.field ? `${f.field}: ${f.message}` : f.message)));
      throw new Error(`${kind.kind} ${namespace}/${name} is invalid:\n  ${lines.join("\n  ")}`);
    }
    const objects = annotateSource(result.objects, kind.kind, toInputs(source), credentialIdentity(kind.kind, namespace, name), secrets).map((o) => markOwned(o, this.settings));
    const tooLarge = annotationSizeErrors(objects, kind.kind);
    if (tooLarge.length) throw new Error(`${kind.kind} ${namespace}/${name} renders objects the API server would refuse:\n  ${tooLarge.join("\n  ")}`);
    return objects;
  }

  /**
   * A render with its live context (Gateway addresses, Connector states, class merging) for the
   * kinds that have one: the first render names the Gateway whose status is read.
   */
  private async renderLive(
    client: KubeClient,
    kind: ResourceKind,
    source: Obj,
    first: RenderedObject[],
    oldSource: Obj | undefined,
    secrets: ReadonlySet<string> | undefined,
    signal?: AbortSignal,
    refused: readonly RefusedHostname[] = [],
  ): Promise<{ objects: RenderedObject[]; live: LiveContext | undefined }> {
    if (!LIVE_CONTEXT_KINDS.has(kind.kind)) return { objects: first, live: undefined };
    const read = await readRenderContext(client, { ...source, kind: kind.kind }, first, renderSettingsOf(this.settings).gatewayClassName, signal);
    const live = refused.length ? withUnserved(read, source, refused) : read;
    return { objects: this.renderSource(kind, source, oldSource, secrets, live.context), live };
  }

  /**
   * The live object under each rendered name (undefined: absent): one list per kind by the
   * source's labels, then a GET for each name the lists miss (an object written by someone else,
   * or whose labels were edited out of band).
   */
  private async liveOf(client: KubeClient, objects: readonly RenderedObject[], selector: string, signal?: AbortSignal): Promise<Map<string, KubeObject | undefined>> {
    const listed = await this.listRendered(client, objects, selector, signal);
    const live = new Map<string, KubeObject | undefined>();
    for (const o of objects) live.set(refKey(refOf(o)), listed.get(refKey(refOf(o))) ?? (await client.get(refOf(o), signal ? { signal } : {})));
    return live;
  }

  /**
   * Before anything is written: every rendered object is absent, this stack's, in its state, or
   * adopted on request. Returns the live objects it read, by ref key.
   */
  private async refuseForeign(client: KubeClient, kind: ResourceKind, source: Obj, objects: readonly RenderedObject[], writeContext: (key: string) => WriteContext, signal?: AbortSignal): Promise<Map<string, KubeObject | undefined>> {
    const { namespace, name } = sourceIdentity(source);
    const live = await this.liveOf(client, objects, sourceSelector({ kind: kind.kind, namespace, name }), signal);
    const problems: string[] = [];
    for (const o of objects) {
      const key = refKey(refOf(o));
      const ownership = ownershipOf(live.get(key), this.settings);
      if (ownership.state === "foreign" && !mayWrite(ownership, writeContext(key))) {
        problems.push(foreignObjectMessage(`${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, ownership.owner, this.settings));
      }
    }
    if (problems.length) throw new OwnershipError(`${kind.kind} ${namespace}/${name}: objects with these names are not this stack's:\n  ${problems.join("\n  ")}`, problems);
    return live;
  }

  /**
   * Server-side apply of an object this stack may write. A field another manager took (kubectl
   * edit, a field-manager change) is a conflict; the object is this stack's to converge, so the
   * apply is forced — after reading it again, so a force never lands on an object that changed
   * hands in between.
   */
  private async write(client: KubeClient, o: RenderedObject, writeContext: WriteContext, opts: { signal?: AbortSignal; dryRun?: boolean }): Promise<KubeObject> {
    const call = { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.dryRun ? { dryRun: true } : {}) };
    try {
      return await client.apply(o as KubeObject, call);
    } catch (e) {
      if (!isFieldManagerConflict(e)) throw e;
      const now = await client.get(refOf(o), opts.signal ? { signal: opts.signal } : {});
      const ownership = ownershipOf(now, this.settings);
      if (ownership.state === "foreign" && !mayWrite(ownership, writeContext)) {
        const message = foreignObjectMessage(`${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, ownership.owner, this.settings);
        throw new OwnershipError(message, [message]);
      }
      // The resourceVersion just read makes the forced apply conditional on nobody writing since.
      const rv = now?.metadata.resourceVersion;
      const pinned = rv !== undefined ? { ...o, metadata: { ...o.metadata, resourceVersion: rv } } : o;
      return client.apply(pinned as KubeObject, { ...call, force: true });
    }
  }

  /** Objects named in state were created (or imported) by this stack: they are its to write. */
  private writeContext(previous: readonly DownstreamRef[]): (key: string) => WriteContext {
    const inState = new Set(previous.map(refKey));
    return (key) => ({ adopt: this.settings.adoptExisting, inState: inState.has(key) });
  }

  /** Outputs: the inputs, what was created downstream, and a readiness summary. */
  outputs(
    kind: ResourceKind,
    source: Obj,
    objects: readonly RenderedObject[],
    live: readonly KubeObject[],
    readiness: { ready: boolean; message: string },
    drift: string[] = [],
    certs?: CertificateState,
    admission?: { verifiedBy?: ReadonlyMap<string, string>; refused: readonly RefusedHostname[] },
  ): ResourceState {
    const out: ResourceState = { ...toInputs(source), downstream: unionRefs(objects.map(refOf), certs?.secretRefs ?? []), ready: readiness.ready, readiness: readiness.message, drift };
    if (certs !== undefined) {
      out["certificates"] = certs.certificates;
      if (certs.account !== undefined) out["acmeAccount"] = certs.account;
    }
    if (isProxyKind(kind.kind)) {
      const { namespace, name } = sourceIdentity(source);
      out["canonicalHostname"] = canonicalHostname(namespace, name, this.settings.targetDomain);
      const gw = live.find((o) => o.kind === "Gateway");
      const status = gw && isObj(gw["status"]) ? gw["status"] : {};
      const addrs = Array.isArray(status["addresses"]) ? status["addresses"] : [];
      out["addresses"] = addrs.filter(isObj).map((a) => String(a["value"] ?? ""));
      const refused = admission?.refused ?? [];
      const refusedSet = new Set(refused.map((r) => r.hostname));
      const custom = customHostnames(source).map((h) => h.hostname);
      out["hostnames"] = [out["canonicalHostname"], ...custom.filter((h) => !refusedSet.has(h))];
      const proxy = proxyStatus({
        canonical: String(out["canonicalHostname"]),
        customHostnames: custom,
        ...(admission?.verifiedBy !== undefined && { verifiedBy: admission.verifiedBy }),
        refused,
        rendered: objects,
        live,
        dnsIntegration: renderSettingsOf(this.settings).dnsIntegration,
        ...(certs !== undefined && { acmeIssued: new Set(certs.certificates.map((c) => c.hostname)) }),
      });
      out["hostnameStatuses"] = proxy.hostnameStatuses;
      out["conditions"] = proxy.conditions;
    }
    return out;
  }

  /**
   * Preview: server-side dry run of every object (CEL and schema rejections surface in PR previews),
   * zero writes. Without a reachable cluster, or with values not known yet, it works from the render
   * alone and says so.
   */
  async preview(kind: ResourceKind, source: Obj, ctx: OperationContext, oldSource?: Obj, previous: readonly DownstreamRef[] = []): Promise<ResourceState> {
    if (containsUnknown(source)) {
      return { ...toInputs(source), downstream: UNKNOWN, ready: UNKNOWN, readiness: UNKNOWN, drift: [], ...(isProxyKind(kind.kind) ? { canonicalHostname: UNKNOWN, addresses: UNKNOWN, hostnames: UNKNOWN } : {}) };
    }
    let objects = this.renderSource(kind, source, oldSource, ctx.secretValues);
    let client: KubeClient | undefined;
    try {
      client = await this.client();
      await client.resolve("v1", "Namespace", ctx.signal ? { signal: ctx.signal } : {});
    } catch (e) {
      ctx.onWarning?.(`cluster not reachable for a server-side dry run (${errorText(e)}); preview shows the render only`);
      client = undefined;
    }
    if (client) {
      // Hostname rules need writes (claims) and may need a Domain check: preview foresees them and warns.
      const refused =
        isProxyKind(kind.kind)
          ? await foreseeRefusals(client, this.settings, source, ctx.signal).catch((e: unknown) => {
              ctx.onWarning?.(`hostname rules not checked: ${errorText(e)}`);
              return [];
            })
          : [];
      for (const w of refusalWarnings(this.settings, source, refused)) ctx.onWarning?.(w);
      const rendered = await this.renderLive(client, kind, source, objects, oldSource, ctx.secretValues, ctx.signal, this.settings.requireAllHostnames ? [] : refused);
      objects = rendered.objects;
      for (const note of rendered.live?.offlineConnectors ?? []) ctx.onWarning?.(note);
      const writeContext = this.writeContext(previous);
      const live = await this.refuseForeign(client, kind, source, objects, writeContext, ctx.signal);
      const failures: string[] = [];
      for (const o of objects) {
        const changes = immutableChanges(o, live.get(refKey(refOf(o))));
        // A dry run cannot show a delete-and-create; the replacement is announced instead.
        if (changes.length) {
          ctx.onWarning?.(replacementNote(o, changes));
          continue;
        }
        try {
          await this.write(client, o, writeContext(refKey(refOf(o))), { ...(ctx.signal ? { signal: ctx.signal } : {}), dryRun: true });
        } catch (e) {
          failures.push(`${o.kind} ${o.metadata.namespace}/${o.metadata.name}: ${errorText(e)}`);
        }
      }
      if (failures.length) throw new Error(`the cluster would reject these objects:\n  ${failures.join("\n  ")}`);
    }
    const out = this.outputs(kind, source, objects, [], { ready: false, message: "preview" });
    out["ready"] = UNKNOWN;
    out["readiness"] = UNKNOWN;
    if (isProxyKind(kind.kind)) {
      out["addresses"] = UNKNOWN;
      out["hostnameStatuses"] = UNKNOWN;
      out["conditions"] = UNKNOWN;
    }
    // Whether a certificate is reused or renewed is decided at `up`; the keys are never previewed.
    if (isProxyKind(kind.kind) && this.acmeMode) {
      out["certificates"] = UNKNOWN;
      out["acmeAccount"] = UNKNOWN;
    }
    return out;
  }

  /**
   * Create or update: apply in dependency order, prune objects of this source that the render no
   * longer has, then wait for readiness. A failure part-way reports what may exist, so state keeps
   * it and the next `up` (which re-applies everything and prunes against that state) repairs it:
   * the objects applied so far, the one being applied (a write whose answer was lost may have been
   * committed), and every object of the previous state that was not confirmed deleted.
   */
  async apply(
    kind: ResourceKind,
    source: Obj,
    previous: readonly DownstreamRef[],
    ctx: OperationContext,
    prior: { state?: ResourceState; source?: Obj } = {},
  ): Promise<ResourceState> {
    const previousState = prior.state;
    const client = await this.client();
    let { objects, live: liveContext } = await this.renderLive(client, kind, source, this.renderSource(kind, source, prior.source, ctx.secretValues), prior.source, ctx.secretValues, ctx.signal);
    const id = resourceId(source);
    const deadlineMs = Date.now() + (ctx.timeoutMs ?? this.settings.timeoutSeconds * 1000);
    const writeContext = this.writeContext(previous);
    const liveBefore = await this.refuseForeign(client, kind, source, objects, writeContext, ctx.signal);
    // Verified Domain + exclusive claim for every custom hostname, or nothing is written.
    const hostnames: AdmittedHostnames | undefined =
      isProxyKind(kind.kind)
        ? await admitHostnames(client, this.settings, source, { deadlineMs, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}) })
        : undefined;
    const admission = hostnames !== undefined ? { verifiedBy: hostnames.verifiedBy, refused: hostnames.refused } : undefined;
    // NSO's partial programming: the refused hostnames get no listener, certificate or record.
    if (hostnames !== undefined && hostnames.refused.length > 0 && liveContext !== undefined) {
      liveContext = withUnserved(liveContext, source, hostnames.refused);
      objects = this.renderSource(kind, source, prior.source, ctx.secretValues, liveContext.context);
    }
    const applied: KubeObject[] = [];
    let attempted = 0;
    const pruned = new Set<string>();
    const callOpts = ctx.signal ? { signal: ctx.signal } : {};
    const acme = isProxyKind(kind.kind) && this.acmeMode;
    // Until new certificates exist, state keeps the previous ones (their Secrets are still in use).
    let certs: CertificateState | undefined = acme
      ? { certificates: storedCertificatesOf(previousState), account: storedAccountOf(previousState), secretRefs: [] }
      : undefined;
    const partial = (message: string, reasons: string[]): PartialFailureError => {
      const out = this.outputs(kind, source, objects.slice(0, attempted), applied, { ready: false, message }, [], certs, admission);
      out["downstream"] = unionRefs(unionRefs(objects.slice(0, attempted).map(refOf), certs?.secretRefs ?? []), previous.filter((r) => !pruned.has(refKey(r))));
      return new PartialFailureError(message, id, out, reasons);
    };

    // Stage by stage (applyOrder); the objects of one stage do not depend on each other and go
    // to the API server concurrently. A failure ends the apply after its stage has settled.
    for (const stage of applyStages(objects)) {
      attempted += stage.length;
      const results = await Promise.allSettled(
        stage.map(async (o) => {
          const changes = immutableChanges(o, liveBefore.get(refKey(refOf(o))));
          if (changes.length) {
            ctx.onProgress?.(replacementNote(o, changes));
            await client.deleteAndWait(refOf(o), callOpts);
          }
          return this.write(client, o, writeContext(refKey(refOf(o))), callOpts);
        }),
      );
      const failures: string[] = [];
      results.forEach((r, i) => {
        const o = stage[i] as RenderedObject;
        if (r.status === "fulfilled") applied.push(r.value);
        else failures.push(`applying ${o.kind} ${o.metadata.namespace}/${o.metadata.name} failed: ${errorText(r.reason)}`);
      });
      if (failures.length) throw partial(failures.join("; "), failures);
    }
    const acmeSettings = acme ? this.acmeSettings() : undefined;
    if (acmeSettings !== undefined && certs !== undefined) {
      const { namespace, name } = sourceIdentity(source);
      const kept = certs;
      // A configured account key is not state; otherwise the account stays in state once created.
      const account = (found: StoredAcmeAccount | undefined) => (acmeSettings.accountKeyPem !== undefined ? undefined : (found ?? kept.account));
      try {
        const ensured = await ensureCertificates({
          client,
          settings: acmeSettings,
          ...(this.settings.dnsServers !== undefined && { dnsServers: this.settings.dnsServers }),
          gateway: { name, namespace: objects.find((o) => o.kind === "Gateway")?.metadata.namespace ?? namespace },
          wanted: this.listenerCertificates(source),
          previous: previousState,
          labels: ownedLabels({ kind: kind.kind, namespace, name }),
          markOwned: (o) => markOwned(o, this.settings),
          nowMs: this.now(),
          deadlineMs,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
          ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
        });
        certs = { certificates: ensured.certificates, account: account(ensured.account), secretRefs: ensured.secrets.map(refOf) };
      } catch (e) {
        if (!(e instanceof CertificateIssueError)) throw e;
        // What was issued before the failure, then the previous certificates of the listeners not reached.
        const done = e.certificates;
        const rest = kept.certificates.filter((c) => !done.some((d) => d.secretName === c.secretName));
        certs = { certificates: [...done, ...rest], account: account(e.account), secretRefs: e.secrets.map(refOf) };
        throw partial(e.message, [e.message]);
      }
    }
    const keep: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }[] = [...objects, ...(certs?.secretRefs ?? []).map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name, ...(r.namespace !== undefined && { namespace: r.namespace }) } }))];
    try {
      await this.prune(client, kind, source, keep, previous, ctx, pruned);
    } catch (e) {
      const msg = `removing objects the new configuration no longer has failed: ${errorText(e)}`;
      throw partial(msg, [msg]);
    }
    try {
      await hostnames?.releaseDropped();
    } catch (e) {
      const msg = `releasing the claims of removed hostnames failed: ${errorText(e)}`;
      throw partial(msg, [msg]);
    }
    if (this.settings.skipAwait) {
      return this.outputs(kind, source, objects, applied, { ready: false, message: "not awaited (skipAwait)" }, [], certs, admission);
    }
    const classes = await checkGatewayClasses(client, applied, ctx.signal);
    if (classes.problem !== undefined) throw partial(classes.problem, [classes.problem]);
    const { awaitReady } = await import("../await/index.js");
    const result: AwaitResult = await awaitReady(applied, {
      client,
      observe: { controllerNames: classes.controllerNames },
      timeoutMs: ctx.timeoutMs ?? this.settings.timeoutSeconds * 1000,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.onProgress ? { onProgress: (p: { message: string }) => ctx.onProgress?.(p.message) } : {}),
    });
    let live: readonly KubeObject[] = result.objects.length ? result.objects : applied;
    if (result.status !== "ready") {
      const message = result.message;
      throw new PartialFailureError(message, id, this.outputs(kind, source, objects, live, { ready: false, message }, [], certs, admission), [message]);
    }
    // Phase two: the DNS records point at the addresses Envoy Gateway has just given the Gateway.
    if (liveContext !== undefined && renderSettingsOf(this.settings).dnsIntegration) {
      try {
        live = await this.publishAddresses(client, kind, source, objects, live, liveContext, { ...prior, secrets: ctx.secretValues }, ctx);
      } catch (e) {
        const message = `publishing the Gateway's addresses in DNS failed: ${errorText(e)}`;
        throw new PartialFailureError(message, id, this.outputs(kind, source, objects, live, { ready: false, message }, [], certs, admission), [message]);
      }
    }
    if (isProxyKind(kind.kind) && (this.settings.awaitDns || this.settings.tlsProbe || this.settings.httpProbe)) {
      const { namespace, name } = sourceIdentity(source);
      const edge = await awaitHostnameReadiness(this.settings, withoutHostnames(source, admission?.refused ?? []), live, {
        canonicalHostname: canonicalHostname(namespace, name, this.settings.targetDomain),
        deadlineMs,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
      });
      if (!edge.ready) throw new PartialFailureError(edge.message, id, this.outputs(kind, source, objects, live, { ready: false, message: edge.message }, [], certs, admission), [...edge.reasons]);
    }
    const notes = [...(liveContext?.offlineConnectors ?? []), ...(admission?.refused ?? []).map((r) => `${r.hostname} not served (${r.reason}): ${r.message}`)];
    for (const note of notes) ctx.onWarning?.(note);
    return this.outputs(kind, source, objects, live, { ready: true, message: notes.length ? `ready; ${notes.join("; ")}` : "ready" }, [], certs, admission);
  }

  /**
   * Re-renders with the Gateway's addresses once they are known and applies the objects that
   * changed with them (the DNSEndpoint's A/AAAA records), then waits for those. Returns the live
   * objects, the re-applied ones replaced. Nothing to do when the addresses were already known.
   */
  private async publishAddresses(
    client: KubeClient,
    kind: ResourceKind,
    source: Obj,
    objects: RenderedObject[],
    live: readonly KubeObject[],
    liveContext: LiveContext,
    prior: { source?: Obj; secrets?: ReadonlySet<string> | undefined },
    ctx: OperationContext,
  ): Promise<readonly KubeObject[]> {
    const key = contextKey(source);
    const addresses = gatewayAddressesOf(live.find((o) => o.kind === "Gateway"));
    const before = liveContext.context.gatewayAddresses?.[key] ?? [];
    if (sameMembers(addresses, before)) return live;
    const context: RenderContext = { ...liveContext.context, gatewayAddresses: { ...liveContext.context.gatewayAddresses, [key]: addresses } };
    const next = this.renderSource(kind, source, prior.source, prior.secrets, context);
    const changed = next.filter((o) => {
      const i = objects.findIndex((x) => refKey(refOf(x)) === refKey(refOf(o)));
      return i < 0 || JSON.stringify(objects[i]) !== JSON.stringify(o);
    });
    const writeContext = this.writeContext([]);
    const rewritten: KubeObject[] = [];
    for (const o of changed) {
      rewritten.push(await this.write(client, o, writeContext(refKey(refOf(o))), ctx.signal ? { signal: ctx.signal } : {}));
      const i = objects.findIndex((x) => refKey(refOf(x)) === refKey(refOf(o)));
      if (i >= 0) objects[i] = o;
    }
    const { awaitReady } = await import("../await/index.js");
    const result = await awaitReady(rewritten, { client, timeoutMs: ctx.timeoutMs ?? this.settings.timeoutSeconds * 1000, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    if (result.status !== "ready") throw new Error(result.message);
    const fresh = new Map((result.objects.length ? result.objects : rewritten).map((o) => [refKey(refOf(o)), o]));
    return live.map((o) => fresh.get(refKey(refOf(o))) ?? o);
  }

  /** Objects labelled as this source's that are not in `keep` (previous refs narrow the kinds listed). */
  private async listOwned(client: KubeClient, kind: ResourceKind, source: Obj, hint: readonly DownstreamRef[], signal?: AbortSignal, all = false): Promise<KubeObject[]> {
    const { namespace, name } = sourceIdentity(source);
    const selector = sourceSelector({ kind: kind.kind, namespace, name });
    // Every kind the renderer makes, plus the kinds state names (ACME TLS Secrets, also after a switch back to cert-manager).
    const extra = isProxyKind(kind.kind) && this.acmeMode ? [ACME_SECRET_KIND] : [];
    const kinds = all ? uniqueKinds([...DOWNSTREAM_KINDS, ...extra, ...hint].map((k) => ({ apiVersion: k.apiVersion, kind: k.kind, name: "" }))) : uniqueKinds(hint);
    const found: KubeObject[] = [];
    for (const k of kinds) {
      try {
        const list = await client.list({ apiVersion: k.apiVersion, kind: k.kind, namespace, labelSelector: selector }, signal ? { signal } : {});
        found.push(...list.items);
      } catch (e) {
        if (e instanceof MissingKindError) continue; // a kind the cluster does not serve holds nothing of ours
        throw e;
      }
    }
    return found;
  }

  /** Deletes what `previous` had and `keep` has not; records each confirmed deletion in `deleted`. */
  private async prune(client: KubeClient, kind: ResourceKind, source: Obj, keep: readonly { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }[], previous: readonly DownstreamRef[], ctx: OperationContext, deleted: Set<string>): Promise<void> {
    const keepKeys = new Set(keep.map((o) => refKey(refOf(o))));
    const stale = previous.filter((r) => !keepKeys.has(refKey(r)));
    if (!stale.length) return;
    const owned = await this.listOwned(client, kind, source, stale, ctx.signal);
    const exists = new Set(owned.map((o) => refKey(refOf(o))));
    // A stale ref that no longer exists (deleted by hand, or by an earlier, interrupted prune) is gone.
    for (const r of stale) if (!exists.has(refKey(r))) deleted.add(refKey(r));
    for (const o of [...owned].reverse()) {
      if (keepKeys.has(refKey(refOf(o)))) continue;
      // Another stack's object (adopted by it since) leaves this stack's state without being deleted.
      if (this.deletable(o, ctx)) await client.deleteAndWait(refOf(o), ctx.signal ? { signal: ctx.signal } : {});
      deleted.add(refKey(refOf(o)));
    }
  }

  /** Labels and state find candidates; only this stack's mark (or an unmarked object of its field manager) lets one be deleted. */
  private deletable(o: KubeObject, ctx: OperationContext): boolean {
    const ownership = ownershipOf(o, this.settings);
    if (mayDelete(ownership)) return true;
    if (ownership.state === "foreign") ctx.onWarning?.(leftAloneMessage(`${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`, ownership.owner));
    return false;
  }

  /** Deletes every downstream object of the source that is this stack's (found by its labels) and waits until gone. */
  async delete(kind: ResourceKind, source: Obj, ctx: OperationContext, known: readonly DownstreamRef[] = []): Promise<void> {
    const client = await this.client();
    const owned = await this.listOwned(client, kind, source, known, ctx.signal, true);
    owned.sort((a, b) => applyOrder(b.kind) - applyOrder(a.kind));
    for (const o of owned) if (this.deletable(o, ctx)) await client.deleteAndWait(refOf(o), ctx.signal ? { signal: ctx.signal } : {});
    // Only once the Gateway is gone may another proxy take its hostnames.
    if (isProxyKind(kind.kind)) await releaseClaims(client, this.settings, source, [], ctx.signal);
  }

  /** The source's objects of the rendered kinds, one list per kind (refresh reads N kinds, not N objects). */
  private async listRendered(client: KubeClient, objects: readonly RenderedObject[], selector: string, signal?: AbortSignal): Promise<Map<string, KubeObject>> {
    const found = new Map<string, KubeObject>();
    const queries = new Map<string, { apiVersion: string; kind: string; namespace: string }>();
    for (const o of objects) queries.set(`${o.apiVersion}|${o.kind}|${o.metadata.namespace}`, { apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace });
    for (const q of queries.values()) {
      const list = await client.list({ ...q, labelSelector: selector }, signal ? { signal } : {});
      for (const item of list.items) found.set(refKey(refOf(item)), item);
    }
    return found;
  }

  /**
   * Refresh of an HTTPProxy in ACME mode: certificates and keys live only in state, so they are
   * carried over, and each TLS Secret is compared with the stored certificate (a Secret deleted or
   * overwritten by hand is drift; the next `up` writes it again from state, without an ACME call).
   */
  async carryCertificates(state: ResourceState, previous: ResourceState | undefined, ctx: OperationContext): Promise<ResourceState> {
    const certificates = storedCertificatesOf(previous);
    if (certificates.length === 0) return state;
    const client = await this.client();
    const namespace = String(asObj(state["metadata"])["namespace"] ?? this.defaultNamespace);
    const drift = Array.isArray(state["drift"]) ? [...(state["drift"] as string[])] : [];
    const refs: DownstreamRef[] = [];
    for (const c of certificates) {
      const ref = { apiVersion: "v1", kind: "Secret", namespace, name: c.secretName };
      refs.push(ref);
      const got = await client.get(ref, ctx.signal ? { signal: ctx.signal } : {});
      const data = got && isObj(got["data"]) ? got["data"] : undefined;
      const crt = typeof data?.["tls.crt"] === "string" ? Buffer.from(data["tls.crt"], "base64").toString("utf8") : undefined;
      if (!got) drift.push(`Secret ${namespace}/${c.secretName}: missing`);
      else if (crt !== c.certificatePem) drift.push(`Secret ${namespace}/${c.secretName}: tls.crt differs from the certificate issued for ${c.hostname}`);
    }
    const account = storedAccountOf(previous);
    const ready = state["ready"] === true && drift.length === 0;
    return {
      ...state,
      downstream: unionRefs(Array.isArray(state["downstream"]) ? (state["downstream"] as DownstreamRef[]) : [], refs),
      drift,
      ready,
      readiness: ready ? state["readiness"] : drift.length ? `drift: ${drift.length} difference(s)` : state["readiness"],
      certificates,
      ...(account !== undefined && { acmeAccount: account }),
    };
  }

  /**
   * Refresh/import: the source comes from the primary object's annotation; every rendered object is
   * read back and compared with the render, and differences are reported as drift. The annotation
   * holds markers for credential values: `known` (the inputs a refresh has) puts them back; an
   * import keeps the markers and a warning names the values the program must supply.
   */
  async read(kind: ResourceKind, namespace: string, name: string, ctx: OperationContext, known?: unknown): Promise<{ source: Obj; state: ResourceState } | undefined> {
    const client = await this.client();
    const primaryKind = PRIMARY_KIND[kind.kind];
    const meta = DOWNSTREAM_KINDS.find((k) => k.kind === primaryKind);
    if (!meta) return undefined;
    const selector = sourceSelector({ kind: kind.kind, namespace, name });
    let primaries: KubeObject[];
    try {
      primaries = (await client.list({ apiVersion: meta.apiVersion, kind: meta.kind, namespace, labelSelector: selector }, ctx.signal ? { signal: ctx.signal } : {})).items;
    } catch (e) {
      if (e instanceof MissingKindError) return undefined;
      throw e;
    }
    const annotated = primaries.find((p) => typeof p.metadata.annotations?.[SOURCE_ANNOTATION] === "string");
    const decoded = decodeSourceAnnotation(annotated?.metadata.annotations?.[SOURCE_ANNOTATION]);
    if (!decoded) return undefined;
    const identity = credentialIdentity(kind.kind, namespace, name);
    const { source: inputs, missing } = restoreCredentials(decoded, known, identity);
    if (missing.length) ctx.onWarning?.(missingCredentialsMessage(`${kind.kind} ${namespace}/${name}`, missing));
    const source: Obj = { apiVersion: kind.apiVersion, kind: kind.kind, ...inputs };
    const refused = isProxyKind(kind.kind) && !this.settings.requireAllHostnames ? await foreseeRefusals(client, this.settings, source, ctx.signal) : [];
    const { objects } = await this.renderLive(client, kind, source, this.renderSource(kind, source, undefined, ctx.secretValues), undefined, ctx.secretValues, ctx.signal, refused);
    const live: KubeObject[] = [];
    const drift: string[] = [];
    const listed = await this.listRendered(client, objects, selector, ctx.signal);
    for (const o of objects) {
      // An object whose labels were edited out of band is not listed: read it by name, so drift says what changed.
      const got = listed.get(refKey(refOf(o))) ?? (await client.get(refOf(o), ctx.signal ? { signal: ctx.signal } : {}));
      const where = `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
      if (!got) {
        drift.push(`${where}: missing`);
        continue;
      }
      live.push(got);
      for (const d of driftOf(o, got, "", identity)) drift.push(`${where}: ${d}`);
    }
    const { observerFor, DEFAULT_OBSERVE_CONTEXT } = await import("../await/index.js");
    const pending = live
      .map((o) => ({ o, r: observerFor(o.apiVersion, o.kind)?.(o, DEFAULT_OBSERVE_CONTEXT) }))
      .filter((x) => x.r && x.r.state !== "ready");
    const ready = pending.length === 0 && drift.length === 0;
    const message = ready ? "ready" : drift.length ? `drift: ${drift.length} difference(s)` : "not ready";
    return { source, state: this.outputs(kind, source, objects, live, { ready, message }, drift, undefined, { refused }) };
  }
}

/** The live context plus the hostnames the cluster refused, which the render leaves out. */
function withUnserved(live: LiveContext, source: Obj, refused: readonly RefusedHostname[]): LiveContext {
  return { ...live, context: { ...live.context, unservedHostnames: { [contextKey(source)]: refused.map((r) => r.hostname) } } };
}

/** The source as the edge serves it: without the refused hostnames (the edge waits skip them). */
function withoutHostnames(source: Obj, refused: readonly RefusedHostname[]): Obj {
  if (refused.length === 0) return source;
  const out = new Set(refused.map((r) => r.hostname));
  const spec = isObj(source["spec"]) ? source["spec"] : {};
  const hostnames = Array.isArray(spec["hostnames"]) ? spec["hostnames"] : [];
  return { ...source, spec: { ...spec, hostnames: hostnames.filter((h) => typeof h !== "string" || !out.has(normalizeHostname(h))) } };
}

/** Consecutive runs of objects with one apply rank (the render sorts them by rank). */
function applyStages(objects: readonly RenderedObject[]): RenderedObject[][] {
  const stages: RenderedObject[][] = [];
  let rank: number | undefined;
  for (const o of objects) {
    const r = applyOrder(o.kind);
    if (r !== rank || stages.length === 0) stages.push([]);
    rank = r;
    (stages[stages.length - 1] as RenderedObject[]).push(o);
  }
  return stages;
}

/** True when both lists hold the same strings, in any order. */
function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

/** `first`, then the refs of `rest` that `first` does not already name. */
function unionRefs(first: readonly DownstreamRef[], rest: readonly DownstreamRef[]): DownstreamRef[] {
  const seen = new Set(first.map(refKey));
  return [...first, ...rest.filter((r) => !seen.has(refKey(r)))];
}

const ACME_SECRET_KIND = { apiVersion: "v1", kind: "Secret" } as const;

/** Kinds whose render reads the cluster: the proxies (addresses, connectors, patches) and the WAF's patches. */
const LIVE_CONTEXT_KINDS: ReadonlySet<string> = new Set(["HTTPProxy", "GRPCProxy", "TrafficProtectionPolicy"]);

function uniqueKinds(refs: readonly DownstreamRef[]): { apiVersion: string; kind: string }[] {
  const seen = new Map<string, { apiVersion: string; kind: string }>();
  for (const r of refs) seen.set(`${r.apiVersion}|${r.kind}`, { apiVersion: r.apiVersion, kind: r.kind });
  return [...seen.values()];
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Keys the hashes standing in for a source's credential values (see source-annotation). */
function credentialIdentity(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/**
 * Paths where the live object differs from what was rendered (fields we set; server defaults
 * ignored). Credential header values, and values an import only knows by their marker, are
 * compared (by hash for a marker) but never quoted: drift is a plain output.
 */
export function driftOf(want: unknown, got: unknown, path = "", identity = ""): string[] {
  if (path === "metadata.annotations" || path === "status") return [];
  if (isObj(want)) {
    if (!isObj(got)) return [`${path || "(object)"}: want an object`];
    const credential = isCredentialEntry(want);
    return Object.keys(want).flatMap((k) => {
      const at = path ? `${path}.${k}` : k;
      if (k === "status") return [];
      if (credential && (k === "value" || k === "values")) {
        const same = Array.isArray(want[k]) ? Array.isArray(got[k]) && want[k].length === got[k].length && want[k].every((w, i) => sameCredential(String(w), (got[k] as unknown[])[i], identity)) : sameCredential(String(want[k]), got[k], identity);
        return same ? [] : [`${at}: differs (the value of credential header ${String(want["name"])} is not shown)`];
      }
      return driftOf(want[k], got[k], at, identity);
    });
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return [`${path}: want a list`];
    if (want.length !== got.length) return [`${path}: want ${want.length} items, found ${got.length}`];
    return want.flatMap((w, i) => driftOf(w, got[i], `${path}[${i}]`, identity));
  }
  // A marker (an import's stand-in for a secret): the live value is the secret, compared by hash.
  if (isCredentialMarker(want)) return sameCredential(want, got, identity) ? [] : [`${path}: differs (a secret value, not shown)`];
  if (want !== got) return [`${path}: want ${JSON.stringify(want)}, found ${JSON.stringify(got)}`];
  return [];
}
