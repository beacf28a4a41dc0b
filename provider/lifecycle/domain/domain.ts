import { createHash } from "node:crypto";
import { formatFieldError } from "../../core/errors";
import { isVerificationToken, newVerificationToken, registrableDomain, verificationRecords, isDomainVerified, type DomainStatus, type VerificationRecords } from "../../core/domain";
import { HTTPPROXY_API_VERSION } from "../../core/models/httpproxy";
import { UNKNOWN, isUnknown } from "../../core/unknown";
import { validate } from "../../core/validate";
import type { DomainVerificationOutcome } from "../../await/dns";
import type { KubeClient } from "../../kube";
import { checkInputs } from "../check";
import { DOMAIN_REPLACE_PATHS, diffInputs } from "../diff";
import { domainRecordObject, domainRecordRef, listDomainRecords, MAX_DOMAIN_NAME_LENGTH, readDomainRecord, type DomainRecord } from "./domain-record";
import { lastFindings, publishHint, verifyDomainRecord } from "./domain-record-verification";
import { readingKey, type DomainSigningKey } from "./domain-signature";
import { foreignObjectMessage, leftAloneMessage, markOwned, mayDelete, mayWrite, ownershipOf, OwnershipError } from "../ownership";
import type { Engine } from "../engine";
import { proxiesUsingDomain } from "../httpproxy/hostnames";
import { parseResourceId, toInputs, toObject, type NormalizeContext } from "../inputs";
import type { ResourceKind } from "../kinds";
import { domainVerificationOf } from "../settings";
import {
  PartialFailureError,
  type CheckFailure,
  type CheckResult,
  type DiffResult,
  type OperationContext,
  type ReadResult,
  type ResourceInputs,
  type ResourceLifecycle,
  type ResourceState,
} from "../types";
import { isObj, type Obj } from "../../core/json";

/**
 * The Domain resource: the provider plays NSO's Domain controller (docs/spec/resources.md §2). Create
 * records the Domain in the cluster (a ConfigMap, see domain-record.ts), publishes the
 * verification records and waits until the TXT record or the HTTP token proves ownership.
 *
 * Inputs besides metadata/spec: `waitForVerification` (default true; false returns at once with
 * the Domain pending) and `verificationToken`, which check fills in once (from Pulumi's
 * per-resource seed, so preview and up show the same record) and carries forward from the old
 * inputs on every later check: the token is never regenerated for the same domainName.
 */

const TOKEN_KEY = "verificationToken";
const WAIT_KEY = "waitForVerification";

function specOf(v: Obj): Obj {
  return isObj(v["spec"]) ? v["spec"] : {};
}

function domainNameOf(v: Obj): string | undefined {
  const n = specOf(v)["domainName"];
  return typeof n === "string" && !isUnknown(n) ? n : undefined;
}

/** Derives a token from Pulumi's seed, bound to the domain name so a new name gets a new token. */
function seededToken(seed: Uint8Array | undefined, domainName: string): string {
  if (seed === undefined || seed.length === 0) return newVerificationToken();
  const bound = createHash("sha256").update(seed).update("\0").update(domainName).digest();
  return newVerificationToken({ seed: bound });
}

interface DomainView {
  readonly records?: VerificationRecords;
  readonly status?: DomainStatus;
  readonly verified: boolean;
  readonly registrable: boolean;
  readonly message: string;
  readonly token: string;
  readonly drift?: readonly string[];
}

export class DomainLifecycle implements ResourceLifecycle {
  readonly token: string;

  constructor(
    private readonly kind: ResourceKind,
    private readonly engine: Engine,
  ) {
    this.token = kind.token;
  }

  private normalize(urnName = "domain", randomSeed?: Uint8Array): NormalizeContext {
    return { urnName, defaultNamespace: this.engine.defaultNamespace, ...(randomSeed ? { randomSeed } : {}) };
  }

  private object(inputs: ResourceInputs): Obj {
    return toObject(this.kind, inputs, undefined, this.normalize());
  }

  async check(olds: ResourceInputs | undefined, news: ResourceInputs, ctx: { urnName: string; randomSeed?: Uint8Array }): Promise<CheckResult> {
    // A new domainName is a new Domain (diff replaces it), so it is admitted as a CREATE: NSO's
    // immutability rule (D5) is what makes it a replacement, not an error. The old metadata still
    // decides the autoname.
    const renamed = olds !== undefined && domainNameOf(olds) !== undefined && domainNameOf(news) !== undefined && domainNameOf(olds) !== domainNameOf(news);
    const admittedOlds = renamed && olds ? { metadata: olds["metadata"] } : olds;
    const base = checkInputs(this.kind, admittedOlds, news, { ...this.normalize(ctx.urnName, ctx.randomSeed), config: this.engine.settings.guardrails });
    const failures: CheckFailure[] = [...base.failures];
    const inputs: ResourceInputs = { ...base.inputs };
    const wait = news[WAIT_KEY];
    if (wait !== undefined && wait !== null) {
      if (typeof wait === "boolean" || isUnknown(wait)) inputs[WAIT_KEY] = wait;
      else failures.push({ property: WAIT_KEY, reason: `${WAIT_KEY}: Invalid value: ${JSON.stringify(wait)}: must be a boolean` });
    }
    const meta = isObj(inputs["metadata"]) ? inputs["metadata"] : {};
    const name = meta["name"];
    if (typeof name === "string" && !isUnknown(name) && name.length > MAX_DOMAIN_NAME_LENGTH) {
      // The Domain is recorded as ConfigMap `datum-domain-<name>`, whose name is limited to 253.
      failures.push({ property: "metadata.name", reason: `metadata.name: Too long: may not be more than ${MAX_DOMAIN_NAME_LENGTH} bytes` });
    }
    const domainName = domainNameOf(inputs);
    if (domainName !== undefined) {
      const sameName = olds !== undefined && domainNameOf(olds) === domainName;
      const kept = sameName && isVerificationToken(olds?.[TOKEN_KEY]) ? olds[TOKEN_KEY] : isVerificationToken(news[TOKEN_KEY]) ? news[TOKEN_KEY] : undefined;
      inputs[TOKEN_KEY] = kept ?? seededToken(ctx.randomSeed, domainName);
    }
    return { inputs, failures };
  }

  async diff(_id: string, olds: ResourceState, news: ResourceInputs): Promise<DiffResult> {
    const d = diffInputs(olds, news, { create: [], update: [], delete: [] }, { replacePaths: DOMAIN_REPLACE_PATHS });
    const detailedDiff = { ...d.detailedDiff };
    // A pending Domain shows as a change, so the next `up` checks it again (NSO would keep
    // checking in the background; the provider checks when it runs).
    const pending = olds["verified"] === false && olds["registrable"] !== false;
    if (pending && d.replaces.length === 0) detailedDiff["verified"] = { kind: "UPDATE", inputDiff: false };
    // The record's ConfigMap is named after metadata.name: a replacement keeping the name must
    // delete the old record first or the old Domain's delete would remove the new one.
    const sameRecord = this.idOf(this.object(olds)) === this.idOf(this.object(news));
    return {
      ...d,
      changes: d.changes || Object.keys(detailedDiff).length > 0,
      detailedDiff,
      deleteBeforeReplace: d.replaces.length > 0 && sameRecord,
    };
  }

  async create(inputs: ResourceInputs, ctx: OperationContext): Promise<{ id: string; outputs: ResourceState }> {
    const source = this.object(inputs);
    const id = this.idOf(source);
    if (ctx.preview) return { id, outputs: this.previewOutputs(source, inputs, undefined) };
    const wait = inputs[WAIT_KEY] ?? !this.engine.settings.skipAwait;
    const outputs = await this.reconcile(id, source, inputs, [inputs[TOKEN_KEY]], wait === false ? "none" : "wait", true, ctx);
    return { id, outputs };
  }

  async update(id: string, olds: ResourceState, news: ResourceInputs, ctx: OperationContext): Promise<{ outputs: ResourceState }> {
    const source = this.object(news);
    if (ctx.preview) return { outputs: this.previewOutputs(source, news, olds) };
    const wait = news[WAIT_KEY] ?? !this.engine.settings.skipAwait;
    // Without waiting, an update still looks once: that is how a pending Domain progresses.
    return { outputs: await this.reconcile(id, source, news, [news[TOKEN_KEY], olds[TOKEN_KEY]], wait === false ? "once" : "wait", false, ctx) };
  }

  async read(id: string, state: ResourceState | undefined, inputs: ResourceInputs | undefined, ctx: OperationContext): Promise<ReadResult | undefined> {
    const ref = this.parseId(id);
    const client = await this.engine.client();
    const obj = await client.get(domainRecordRef(ref.namespace, ref.name), ctx.signal ? { signal: ctx.signal } : {});
    if (!obj) return undefined;
    const record = readDomainRecord(obj, await readingKey(client, this.engine.settings, ctx.signal));
    if (!record) throw new Error(`ConfigMap ${ref.namespace}/${obj.metadata.name} is not a Domain record (it lacks the pulumi-datum.io/domain label or data.domainName)`);
    const annotated = record.source ? toInputs(record.source) : {};
    const meta = isObj(annotated["metadata"]) ? annotated["metadata"] : {};
    const source: Obj = {
      ...annotated,
      metadata: { ...meta, name: ref.name, namespace: ref.namespace },
      spec: { ...specOf(annotated), domainName: record.domainName },
    };
    const drift: string[] = [];
    const annotatedName = domainNameOf(annotated);
    if (annotatedName !== undefined && annotatedName !== record.domainName) {
      drift.push(`ConfigMap ${ref.namespace}/${obj.metadata.name}: data.domainName: want ${JSON.stringify(annotatedName)}, found ${JSON.stringify(record.domainName)}`);
    }
    const stateToken = state?.[TOKEN_KEY];
    const token = record.token !== "" ? record.token : isVerificationToken(stateToken) ? stateToken : "";
    if (record.token === "") drift.push(`ConfigMap ${ref.namespace}/${obj.metadata.name}: data.token: missing`);
    const newInputs: ResourceInputs = { ...toInputs(source), ...(token ? { [TOKEN_KEY]: token } : {}) };
    const wait = inputs?.[WAIT_KEY] ?? state?.[WAIT_KEY];
    if (typeof wait === "boolean") newInputs[WAIT_KEY] = wait;
    const view = this.viewOf(record, token, domainVerificationOf(this.engine.settings));
    return { id: `${ref.namespace}/${ref.name}`, inputs: newInputs, outputs: this.outputs(source, newInputs, record.uid ? [ref] : [], { ...view, drift }) };
  }

  /**
   * Guardrail D8: refused while an HTTPProxy in the namespace serves a hostname under the Domain.
   * A record that now belongs to a different domain name (a replacement reused the name) is left
   * alone: it is not this Domain's.
   */
  async delete(id: string, state: ResourceState, ctx: OperationContext): Promise<void> {
    const ref = this.parseId(id);
    const client = await this.engine.client();
    const opts = ctx.signal ? { signal: ctx.signal } : {};
    const obj = await client.get(domainRecordRef(ref.namespace, ref.name), opts);
    const record = obj ? readDomainRecord(obj, await readingKey(client, this.engine.settings, ctx.signal)) : undefined;
    if (!record) return;
    const stateName = isObj(state) ? domainNameOf(state) : undefined;
    if (stateName !== undefined && stateName !== record.domainName) return;
    const ownership = ownershipOf(obj, this.engine.settings);
    if (!mayDelete(ownership)) {
      if (ownership.state === "foreign") ctx.onWarning?.(leftAloneMessage(`ConfigMap ${ref.namespace}/${obj?.metadata.name ?? ""}`, ownership.owner));
      return;
    }
    const users = await proxiesUsingDomain(client, ref.namespace, record.domainName, ctx.signal);
    if (users.length > 0) {
      const domain = { apiVersion: this.kind.apiVersion, kind: "Domain", metadata: { name: ref.name, namespace: ref.namespace }, spec: { domainName: record.domainName } };
      // NSO's D8 counts HTTPProxies; a GRPCProxy's hostnames hold the Domain the same way.
      const existing = users.map((u) => ({ apiVersion: HTTPPROXY_API_VERSION, kind: "HTTPProxy", metadata: { name: u.name, namespace: u.namespace }, spec: { hostnames: [...u.hostnames] } }));
      const verdict = validate(domain, { operation: "DELETE", existing, config: this.engine.settings.guardrails });
      const reason = verdict.errors.length ? verdict.errors.map(formatFieldError).join("; ") : "cannot delete Domain while in use by an HTTPProxy";
      const who = users.map((u) => `${u.kind} ${u.namespace}/${u.name} (${u.hostnames.join(", ")})`).join(", ");
      const kinds = [...new Set(users.map((u) => u.kind))];
      throw new Error(`Domain ${ref.namespace}/${ref.name} (${record.domainName}): ${reason}: used by ${who}; remove those hostnames or delete the ${kinds.length === 1 ? kinds[0] : "proxies"} first`);
    }
    await client.deleteAndWait(domainRecordRef(ref.namespace, ref.name), opts);
  }

  // ---------------------------------------------------------------------------------------------

  private idOf(source: Obj): string {
    const meta = source["metadata"] as Obj;
    return `${String(meta["namespace"])}/${String(meta["name"])}`;
  }

  private parseId(id: string): { namespace: string; name: string } {
    const ref = parseResourceId(id);
    if (!ref) throw new Error(`invalid id ${JSON.stringify(id)}: use <namespace>/<name>`);
    return ref;
  }

  /**
   * Create and update: record the Domain, publish its records, and verify (`mode`). The token
   * comes from the cluster record when there is one for the same name (never regenerated), else
   * from state.
   */
  private async reconcile(
    id: string,
    source: Obj,
    inputs: ResourceInputs,
    knownTokens: readonly unknown[],
    mode: "none" | "once" | "wait",
    creating: boolean,
    ctx: OperationContext,
  ): Promise<ResourceState> {
    const settings = this.engine.settings;
    const client = await this.engine.client();
    const opts = ctx.signal ? { signal: ctx.signal } : {};
    const meta = source["metadata"] as Obj;
    const namespace = String(meta["namespace"]);
    const name = String(meta["name"]);
    const domainName = domainNameOf(source) ?? "";
    const existingObj = await client.get(domainRecordRef(namespace, name), opts);
    const key = await readingKey(client, settings, ctx.signal);
    const existing = existingObj ? readDomainRecord(existingObj, key) : undefined;
    if (existingObj && !existing) {
      throw new Error(`ConfigMap ${namespace}/${existingObj.metadata.name} exists and is not a Domain record; rename the Domain or remove the ConfigMap`);
    }
    const sameDomain = existing?.domainName === domainName;
    // Another stack's record under this name is not taken over by a create (an update's record is in state).
    const ownership = ownershipOf(existingObj, settings);
    if (creating && ownership.state === "foreign" && !mayWrite(ownership, { adopt: settings.adoptExisting, inState: false })) {
      const message = foreignObjectMessage(`Domain record ConfigMap ${namespace}/${existingObj?.metadata.name ?? ""}`, ownership.owner, settings);
      throw new OwnershipError(message, [message]);
    }
    if (creating) await this.refuseDuplicate(client, source, domainName, key, ctx.signal);
    const token =
      (sameDomain && existing.token !== "" ? existing.token : undefined) ?? knownTokens.find(isVerificationToken) ?? newVerificationToken();
    const inputsOut: ResourceInputs = { ...inputs, [TOKEN_KEY]: token };
    const applied = await client.apply(markOwned(domainRecordObject({ namespace, name, domainName, token, source: toInputs(source) }), settings), opts);
    const uid = applied.metadata.uid ?? "";
    const outcome = await verifyDomainRecord(client, settings, {
      namespace,
      name,
      domainName,
      token,
      uid,
      previousStatus: sameDomain ? existing.status : undefined,
      mode,
      timeoutMs: ctx.timeoutMs ?? settings.timeoutSeconds * 1000,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
    });
    const view = this.viewOfOutcome(outcome, token, domainName);
    const outputs = this.outputs(source, inputsOut, [{ namespace, name }], view);
    const failed = outcome.state === "invalidApex" ? mode === "wait" : outcome.state === "pending" && mode === "wait";
    if (failed) throw new PartialFailureError(view.message, id, outputs, [view.message]);
    return outputs;
  }

  /** Guardrail D7: one Domain per domain name per namespace, across every stack on the cluster. */
  private async refuseDuplicate(client: KubeClient, source: Obj, domainName: string, key: DomainSigningKey | undefined, signal: AbortSignal | undefined): Promise<void> {
    const meta = source["metadata"] as Obj;
    const namespace = String(meta["namespace"]);
    const others = (await listDomainRecords(client, namespace, key, signal)).filter((r) => r.name !== meta["name"]);
    const existing = others.map((r) => ({ apiVersion: this.kind.apiVersion, kind: "Domain", metadata: { name: r.name, namespace }, spec: { domainName: r.domainName } }));
    const verdict = validate(source, { config: this.engine.settings.guardrails, existing });
    if (verdict.valid) return;
    const holder = others.find((r) => r.domainName.toLowerCase() === domainName.toLowerCase());
    const where = holder ? ` (Domain ${namespace}/${holder.name})` : "";
    throw new Error(`Domain ${namespace}/${String(meta["name"])}: ${verdict.errors.map(formatFieldError).join("; ")}${where}`);
  }

  private viewOfOutcome(outcome: DomainVerificationOutcome, token: string, domainName: string): DomainView {
    if (outcome.state === "invalidApex") {
      return { status: outcome.status, verified: false, registrable: false, token, message: outcome.message };
    }
    const verified = outcome.state === "verified";
    const findings = lastFindings(outcome);
    const message = verified
      ? "verified"
      : outcome.wait && !outcome.wait.verified
        ? `Domain ${domainName} is not verified: ${publishHint(outcome)}; ${outcome.wait.message}`
        : `Domain ${domainName} is pending verification: ${publishHint(outcome)}${findings ? `; last check: ${findings}` : ""}`;
    return { records: outcome.records, status: outcome.status, verified, registrable: true, token, message };
  }

  /** Read: what the record in the cluster says, without checking anything. */
  private viewOf(record: DomainRecord, token: string, settings: ReturnType<typeof domainVerificationOf>): DomainView {
    const registrable = registrableDomain(record.domainName).ok;
    const records = token && record.uid ? verificationRecords({ domainName: record.domainName, token, id: record.uid }, settings) : undefined;
    const verified = isDomainVerified(record.status);
    const message = !registrable
      ? `Domain ${record.domainName}: Domain is not registrable (public-suffix only or invalid)`
      : verified
        ? "verified"
        : `Domain ${record.domainName} is pending verification${records ? `: publish TXT ${records.dnsRecord.name} = "${records.dnsRecord.content}"` : ""}`;
    return { ...(records ? { records } : {}), ...(record.status ? { status: record.status } : {}), verified, registrable, token, message };
  }

  private outputs(source: Obj, inputs: ResourceInputs, refs: readonly { namespace: string; name: string }[], view: DomainView): ResourceState {
    const out: ResourceState = {
      ...toInputs(source),
      [TOKEN_KEY]: view.token,
      ...(typeof inputs[WAIT_KEY] === "boolean" ? { [WAIT_KEY]: inputs[WAIT_KEY] } : {}),
      // Kept after verification (NSO clears its status block): a DNS record resource fed from
      // these outputs must not lose its values once the Domain is verified.
      ...(view.records ? { verification: { dnsRecord: { ...view.records.dnsRecord }, httpToken: { ...view.records.httpToken } } } : {}),
      verified: view.verified,
      registrable: view.registrable,
      ...(view.status ? { status: view.status } : {}),
      downstream: refs.map((r) => domainRecordRef(r.namespace, r.name)),
      ready: view.verified,
      readiness: view.message,
      drift: [...(view.drift ?? [])],
    };
    return out;
  }

  /**
   * Preview writes nothing. The TXT record is known from the token check chose; the HTTP token
   * URL needs the record's uid, so it is known only when the record already exists (update).
   */
  private previewOutputs(source: Obj, inputs: ResourceInputs, olds: ResourceState | undefined): ResourceState {
    const token = inputs[TOKEN_KEY];
    const domainName = domainNameOf(source);
    const oldVerification = olds && isObj(olds["verification"]) ? olds["verification"] : undefined;
    const oldHttp = oldVerification && isObj(oldVerification["httpToken"]) ? oldVerification["httpToken"] : undefined;
    const settings = domainVerificationOf(this.engine.settings);
    const known = typeof token === "string" && isVerificationToken(token) && domainName !== undefined;
    const dnsRecord = known ? verificationRecords({ domainName, token, id: "" }, settings).dnsRecord : UNKNOWN;
    const httpToken = known && oldHttp && olds && domainNameOf(olds) === domainName ? oldHttp : UNKNOWN;
    return {
      ...toInputs(source),
      [TOKEN_KEY]: known ? token : UNKNOWN,
      ...(inputs[WAIT_KEY] !== undefined ? { [WAIT_KEY]: inputs[WAIT_KEY] } : {}),
      verification: { dnsRecord, httpToken },
      verified: olds?.["verified"] === true && olds && domainNameOf(olds) === domainName ? true : UNKNOWN,
      registrable: domainName !== undefined ? registrableDomain(domainName).ok : UNKNOWN,
      status: UNKNOWN,
      downstream: UNKNOWN,
      ready: UNKNOWN,
      readiness: UNKNOWN,
      drift: [],
    };
  }
}
