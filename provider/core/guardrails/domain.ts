import { fieldError, type ScopedFieldError } from "../errors";
import { DOMAIN_API_VERSION } from "../models/domain";
import type { AdmissionContext, KindGuardrails } from "../validation/pipeline";
import { type Errors } from "../validation/schema";
import { crdLayer } from "./envoy/crd-layer";
import { field, list, re, type ObjectSchema } from "./gatewayapi/structural";
import { type Obj } from "../json";
import { normalizeHostname } from "../domain/coverage";

/**
 * Domain (`networking.datumapis.com/v1alpha`): a domain name a tenant wants to prove it controls.
 * NSO's CRD (docs/spec/guardrails.md §2, D1–D6, including transition rules against the stored object) and its
 * webhook, which only runs on create (D7, duplicate names) and delete (D8/D9, still in use). There is
 * no update webhook: immutability is the CRD's job.
 */

// ---------------------------------------------------------------------------------------------
// CRD schema and CEL
// ---------------------------------------------------------------------------------------------

const REFRESH_FIELDS = ["desiredRegistrationRefreshAttempt", "desiredVerificationRefreshAttempt"] as const;
const FIVE_MINUTES_NS = 5n * 60n * 1_000_000_000n;

const spec: ObjectSchema = {
  type: "object",
  required: ["domainName"],
  properties: {
    // D1–D4
    domainName: {
      type: "string",
      minLength: 1,
      maxLength: 253,
      pattern: re("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"),
      rules: [{ message: "Must have at least two segments separated by dots", holds: (self) => typeof self !== "string" || self.includes(".") }],
    },
    // Their date-time format and D6 spacing are checked in domainCrdExtras (the interpreter has neither).
    desiredRegistrationRefreshAttempt: { type: "string" },
    desiredVerificationRefreshAttempt: { type: "string" },
  },
};

const DATE_TIME_CLOCK = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(z|([+-])([0-9]{2}):([0-9]{2}))$/;

/** Days since 1970-01-01 of a valid proleptic Gregorian date, or undefined (Go `time.Parse("2006-01-02")`). */
function epochDay(date: string): number | undefined {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(date);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return undefined;
  const ms = Date.UTC(y, mo - 1, d);
  const check = new Date(ms);
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear keeps the year literal.
  check.setUTCFullYear(y);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return Math.round(check.getTime() / 86_400_000);
}

/**
 * OpenAPI `format: date-time` as the API server checks it (`<date>T<hh:mm:ss[.frac]><Z|±hh:mm>`,
 * case-insensitive), as nanoseconds since the epoch for CEL's timestamp comparison.
 */
export function parseDateTime(value: string): bigint | undefined {
  const parts = value.toLowerCase().split("t");
  if (value.length < 4 || parts.length < 2) return undefined;
  const day = epochDay(parts[0] as string);
  const clock = DATE_TIME_CLOCK.exec(parts[1] as string);
  if (day === undefined || !clock) return undefined;
  const [h, mi, s] = [Number(clock[1]), Number(clock[2]), Number(clock[3])];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const frac = (clock[4] ?? ".").slice(1).padEnd(9, "0").slice(0, 9);
  let offsetSeconds = 0;
  if (clock[6]) offsetSeconds = (clock[6] === "-" ? -1 : 1) * (Number(clock[7]) * 3600 + Number(clock[8]) * 60);
  const seconds = BigInt(day) * 86400n + BigInt(h * 3600 + mi * 60 + s - offsetSeconds);
  return seconds * 1_000_000_000n + BigInt(frac);
}

const domainCrdExtras = {
  schema(errs: Errors, obj: Obj): void {
    const s = field(obj, "spec");
    for (const name of REFRESH_FIELDS) {
      const v = field(s, name);
      if (typeof v === "string" && parseDateTime(v) === undefined) {
        const path = `spec.${name}`;
        errs.push(fieldError.invalid(path, v, `${path} in body must be of type date-time: ${JSON.stringify(v)}`));
      }
    }
  },
  /** Transition rules run only on UPDATE and only where the stored object has the field too. */
  cel(errs: Errors, obj: Obj, ctx: AdmissionContext): void {
    if (ctx.operation !== "UPDATE" || !ctx.oldObject) return;
    const s = field(obj, "spec");
    const old = field(ctx.oldObject, "spec");
    // D5: the name is the identity that verification and DNS records are bound to.
    const name = field(s, "domainName");
    const oldName = field(old, "domainName");
    if (typeof name === "string" && typeof oldName === "string" && oldName !== "" && name !== oldName) {
      errs.push(fieldError.invalidWithoutValue("spec.domainName", "A domain name is immutable and cannot be changed after creation"));
    }
    // D6: refresh requests are rate-limited; clearing or first setting one is always allowed.
    for (const f of REFRESH_FIELDS) {
      const now = field(s, f);
      const before = field(old, f);
      if (typeof now !== "string" || typeof before !== "string") continue;
      const t = parseDateTime(now);
      const oldT = parseDateTime(before);
      if (t === undefined || oldT === undefined || t === oldT || t >= oldT + FIVE_MINUTES_NS) continue;
      errs.push(fieldError.invalidWithoutValue(`spec.${f}`, `must be at least 5m after the previous ${f} when changed`));
    }
  },
};

const crd = crdLayer({ type: "object", required: ["spec"], properties: { spec } }, domainCrdExtras);

// ---------------------------------------------------------------------------------------------
// NSO webhook (internal/webhook/v1alpha/domain_webhook.go)
// ---------------------------------------------------------------------------------------------

/** Exact match or a subdomain of the Domain. */
function coveredByDomain(domainName: string, hostname: string): boolean {
  const d = normalizeHostname(domainName);
  const h = normalizeHostname(hostname);
  if (d === "" || h === "") return false;
  return h === d || h.endsWith(`.${d}`);
}

/** The objects of `kind` in the namespace of the request. */
function inNamespace(ctx: AdmissionContext, kind: string): Obj[] {
  return ctx.existing.filter((o) => {
    if (o["kind"] !== kind) return false;
    const ns = field(o["metadata"], "namespace");
    return (typeof ns === "string" && ns !== "" ? ns : "default") === ctx.namespace;
  });
}

function domainName(obj: Obj): string {
  const n = field(obj["spec"], "domainName");
  return typeof n === "string" ? n : "";
}

/** D7: one Domain per name per namespace (HTTP 409, no field). */
function duplicateErrors(obj: Obj, ctx: AdmissionContext): ScopedFieldError[] {
  const name = domainName(obj);
  const target = normalizeHostname(name);
  const taken = inNamespace(ctx, "Domain").some((d) => normalizeHostname(domainName(d)) === target);
  if (!taken) return [];
  return [{ ...fieldError.conflict("", `domain resource with .spec.domainName ${JSON.stringify(name)} already exists`), scope: "spec.domainName" }];
}

function stringsOf(v: unknown): string[] {
  return list(v).filter((x): x is string => typeof x === "string");
}

/** D8: an HTTPProxy still serves a hostname under this Domain (spec or the deprecated status list). */
function usedByHTTPProxy(obj: Obj, ctx: AdmissionContext): ScopedFieldError[] {
  const name = domainName(obj);
  const inUse = inNamespace(ctx, "HTTPProxy").some((p) =>
    [...stringsOf(field(p["spec"], "hostnames")), ...stringsOf(field(p["status"], "hostnames"))].some((h) => coveredByDomain(name, h)),
  );
  return inUse ? [fieldError.forbidden("", "cannot delete Domain while in use by an HTTPProxy", "spec.domainName")] : [];
}

/** D9: a DNSZone is bound to this Domain by name. */
function usedByDNSZone(obj: Obj, ctx: AdmissionContext): ScopedFieldError[] {
  const name = field(obj["metadata"], "name");
  const inUse = inNamespace(ctx, "DNSZone").some((z) => field(field(z["status"], "domainRef"), "name") === name);
  return inUse ? [fieldError.forbidden("", "cannot delete Domain while in use by a DNSZone", "metadata.name")] : [];
}

export const domainGuardrails: KindGuardrails = {
  kind: "Domain",
  apiVersions: [DOMAIN_API_VERSION],
  defaults: crd.defaults,
  schema: crd.schema,
  cel: crd.cel,
  undeclared: crd.undeclared,
  webhook: duplicateErrors,
  webhookOnDelete(obj, ctx) {
    // NSO stops at the first reason, HTTPProxies first.
    const proxyErrs = usedByHTTPProxy(obj, ctx);
    return proxyErrs.length ? proxyErrs : usedByDNSZone(obj, ctx);
  },
};

