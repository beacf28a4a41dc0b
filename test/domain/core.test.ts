// Pure Domain logic: token, records, NSO backoff, coverage, registrability, outcome messages,
// status composition and hostname-claim decisions.
import { describe, expect, it } from "vitest";
import {
  attemptedDomainStatus,
  claimConflictMessage,
  claimObject,
  decideClaim,
  DEFAULT_DOMAIN_VERIFICATION,
  domainCovers,
  hostnameCoverage,
  impliedDomainName,
  invalidApexDomainStatus,
  isDomainVerified,
  isVerificationToken,
  jitter,
  judgeHttp,
  judgeTxt,
  labelValue,
  newVerificationToken,
  nextAttemptDelayMs,
  ownerLabels,
  ownerSelector,
  parseRetryIntervals,
  pendingDomainStatus,
  registrableDomain,
  retryIntervalMs,
  staleClaims,
  txtLookupName,
  verificationRecords,
  verificationStartedAt,
} from "../../provider/core/domain/index.ts";

const S = 1_000;
const M = 60 * S;

describe("verification token", () => {
  it("is a UUIDv4, fresh each time without a seed", () => {
    const a = newVerificationToken();
    const b = newVerificationToken();
    expect(isVerificationToken(a)).toBe(true);
    expect(a).not.toBe(b);
  });
  it("is a pure function of Pulumi's random seed", () => {
    const seed = new Uint8Array(32).fill(7);
    const t = newVerificationToken({ seed });
    expect(newVerificationToken({ seed })).toBe(t);
    expect(isVerificationToken(t)).toBe(true);
    expect(newVerificationToken({ seed: new Uint8Array(32).fill(8) })).not.toBe(t);
  });
  it("forces version and variant bits on injected entropy", () => {
    const t = newVerificationToken({ randomBytes: (n) => new Uint8Array(n).fill(0xff) });
    expect(t).toBe("ffffffff-ffff-4fff-bfff-ffffffffffff");
    expect(() => newVerificationToken({ randomBytes: () => new Uint8Array(4) })).toThrow(/16/);
  });
  it("rejects non-v4 strings", () => {
    expect(isVerificationToken("00000000-0000-1000-8000-000000000000")).toBe(false);
    expect(isVerificationToken(42)).toBe(false);
  });
});

describe("verification records", () => {
  const r = verificationRecords({ domainName: "example.com", token: "tok", id: "uid-1" });
  it("uses NSO's default prefix and path", () => {
    expect(r).toEqual({
      dnsRecord: { name: "datum-custom-hostname.example.com", type: "TXT", content: "tok" },
      httpToken: { url: "http://example.com/.well-known/datum-custom-hostname-challenge/uid-1", body: "tok" },
    });
    expect(txtLookupName(r.dnsRecord)).toBe("datum-custom-hostname.example.com.");
  });
  it("honours configured prefix and path", () => {
    const c = verificationRecords({ domainName: "a.b.io", token: "t", id: "i" }, { dnsRecordPrefix: "_own", httpTokenPath: "x/y" });
    expect(c.dnsRecord.name).toBe("_own.a.b.io");
    expect(c.httpToken.url).toBe("http://a.b.io/x/y/i");
  });
});

describe("NSO backoff", () => {
  it("steps 5s → 1m → 5m at the 5m and 15m boundaries (inclusive)", () => {
    expect(retryIntervalMs(0, DEFAULT_DOMAIN_VERIFICATION)).toBe(5 * S);
    expect(retryIntervalMs(5 * M, DEFAULT_DOMAIN_VERIFICATION)).toBe(5 * S);
    expect(retryIntervalMs(5 * M + 1, DEFAULT_DOMAIN_VERIFICATION)).toBe(1 * M);
    expect(retryIntervalMs(15 * M, DEFAULT_DOMAIN_VERIFICATION)).toBe(1 * M);
    expect(retryIntervalMs(15 * M + 1, DEFAULT_DOMAIN_VERIFICATION)).toBe(5 * M);
    expect(retryIntervalMs(10 * 60 * M, DEFAULT_DOMAIN_VERIFICATION)).toBe(5 * M);
  });
  it("falls back to 5m when no interval matches", () => {
    expect(retryIntervalMs(2 * M, { retryIntervals: [{ intervalMs: S, maxElapsedMs: M }] })).toBe(5 * M);
  });
  it("adds at most +25% jitter, never less than the interval", () => {
    expect(jitter(4 * S, 0.25, () => 0)).toBe(4 * S);
    expect(jitter(4 * S, 0.25, () => 0.999999)).toBeCloseTo(5 * S, -1);
    expect(nextAttemptDelayMs(20 * M, DEFAULT_DOMAIN_VERIFICATION, () => 0.5)).toBe(5 * M * 1.125);
    // Go wait.Jitter: a non-positive factor means 1.
    expect(jitter(S, 0, () => 1)).toBe(2 * S);
  });
  it("never requeues sooner than 1s", () => {
    expect(nextAttemptDelayMs(0, { retryIntervals: [{ intervalMs: 10 }], retryJitterMaxFactor: 0.25 }, () => 0)).toBe(S);
  });
  it("parses NSO's Go-duration config", () => {
    expect(parseRetryIntervals([{ interval: "5s", maxElapsed: "5m" }, { interval: "1m30s" }])).toEqual({
      ok: true,
      intervals: [{ intervalMs: 5 * S, maxElapsedMs: 5 * M }, { intervalMs: 90 * S }],
    });
    const bad = parseRetryIntervals([{ interval: "5s" }, { interval: "soon" }]);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/^retryIntervals\[1\]\.interval: time: invalid duration "soon"/);
  });
});

describe("hostname coverage", () => {
  it("matches on label boundaries only", () => {
    expect(domainCovers("example.com", "example.com")).toBe(true);
    expect(domainCovers("example.com", "a.example.com")).toBe(true);
    expect(domainCovers("example.com", "x.a.example.com")).toBe(true);
    expect(domainCovers("example.com", "test-example.com")).toBe(false);
    expect(domainCovers("example.com", "example.com.au")).toBe(false);
    expect(domainCovers("a.example.com", "example.com")).toBe(false);
  });
  it("ignores case and the root dot", () => {
    expect(domainCovers("Example.COM.", "www.example.com")).toBe(true);
    expect(domainCovers("", "example.com")).toBe(false);
  });
  it("reports verified / unverified / uncovered", () => {
    const domains = [
      { name: "apex", domainName: "example.com", verified: true },
      { name: "shop", domainName: "shop.example.com", verified: true },
      { name: "pending", domainName: "other.io", verified: false },
    ];
    const v = hostnameCoverage("a.shop.example.com", domains);
    expect(v.state === "verified" && v.domain.name).toBe("shop");
    expect(hostnameCoverage("api.other.io", domains)).toEqual({ state: "unverified", domains: [domains[2]] });
    expect(hostnameCoverage("nope.dev", domains)).toEqual({ state: "uncovered" });
  });
  it("implies NSO's two-label Domain", () => {
    expect(impliedDomainName("shop.example.co.uk")).toBe("co.uk");
    expect(impliedDomainName("localhost")).toBeUndefined();
  });
});

describe("registrable domain (Public Suffix List)", () => {
  it.each([
    ["example.com", "example.com", true],
    ["www.example.com", "example.com", false],
    ["shop.example.co.uk", "example.co.uk", false],
    ["foo.blogspot.com", "foo.blogspot.com", true],
    ["foo.unknowntld", "foo.unknowntld", true],
    ["EXAMPLE.com.", "example.com", true],
  ])("%s → %s (apex %s)", (name, registrable, apex) => {
    expect(registrableDomain(name)).toEqual({ ok: true, registrable, apex });
  });
  it.each(["com", "co.uk", "blogspot.com", "github.io", "", "a..example.com", ".example.com"])("%j is InvalidApex", (name) => {
    expect(registrableDomain(name)).toEqual({ ok: false, reason: "InvalidApex", message: "Domain is not registrable (public-suffix only or invalid)" });
  });
});

describe("outcome messages (NSO reasons)", () => {
  const rec = "datum-custom-hostname.example.com";
  it("TXT found, mismatch, missing, temporary, internal", () => {
    expect(judgeTxt(rec, { kind: "records", values: ["x", "tok"] }, "tok")).toMatchObject({ passed: true, reason: "Verified", message: "TXT record verification successful" });
    const mismatch = judgeTxt(rec, { kind: "records", values: ["abc", "def"] }, "tok");
    expect(mismatch).toMatchObject({ passed: false, reason: "VerificationRecordContentMismatch", message: 'TXT record content mismatch. Expected "tok", got "abc, def"' });
    expect(mismatch.progress).toBe(`TXT ${rec}: found 'abc', 'def', want 'tok'`);
    expect(judgeTxt(rec, { kind: "notFound", detail: "NXDOMAIN" }, "tok")).toMatchObject({ reason: "RecordNotFound", message: "TXT record not found", progress: `TXT ${rec}: not found (NXDOMAIN), want 'tok'` });
    expect(judgeTxt(rec, { kind: "temporary", detail: "timeout" }, "tok")).toMatchObject({ reason: "PendingVerification", message: "Temporary error or timeout encountered" });
    expect(judgeTxt(rec, { kind: "internal", detail: "EREFUSED" }, "tok")).toMatchObject({ reason: "InternalError", message: "Internal error encountered during DNS lookup" });
  });
  it("HTTP 200 (trimmed), mismatch, 404, other status, unreachable, timeout", () => {
    const url = "http://example.com/.well-known/datum-custom-hostname-challenge/u";
    expect(judgeHttp(url, { kind: "response", status: 200, body: "  tok\n" }, "tok")).toMatchObject({ passed: true, message: "HTTP token verification successful" });
    expect(judgeHttp(url, { kind: "response", status: 200, body: "nope" }, "tok")).toMatchObject({
      reason: "VerificationRecordContentMismatch",
      message: 'HTTP token content mismatch. Expected "tok", got "nope"',
    });
    expect(judgeHttp(url, { kind: "response", status: 404, body: "" }, "tok")).toMatchObject({ reason: "RecordNotFound", message: "HTTP token endpoint not found" });
    expect(judgeHttp(url, { kind: "response", status: 503, body: "" }, "tok")).toMatchObject({
      reason: "UnexpectedResponse",
      message: "unexpected status code from HTTP token endpoint. HTTP 503",
    });
    expect(judgeHttp(url, { kind: "unreachable", detail: "ECONNREFUSED" }, "tok")).toMatchObject({
      reason: "PendingVerification",
      message: "unable to establish connection with HTTP token endpoint",
    });
    expect(judgeHttp(url, { kind: "timeout", detail: "x" }, "tok").message).toBe("Timeout encountered while fetching HTTP token");
    expect(judgeHttp(url, { kind: "internal", detail: "x" }, "tok").reason).toBe("InternalError");
  });
});

describe("Domain status like NSO writes it", () => {
  const records = verificationRecords({ domainName: "example.com", token: "tok", id: "uid" });
  const t0 = Date.parse("2025-01-01T00:00:00Z");
  it("pending → attempts → verified", () => {
    const pending = pendingDomainStatus(undefined, records, true, { nowMs: t0, generation: 1 });
    expect(pending.verification?.nextVerificationAttempt).toBe("2025-01-01T00:00:00Z");
    expect(pending.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      "ValidDomain=True/Valid",
      "Verified=False/PendingVerification",
      "VerifiedDNS=False/PendingVerification",
      "VerifiedHTTP=False/PendingVerification",
      "VerifiedDNSZone=False/DNSZoneNotFound",
    ]);
    expect(isDomainVerified(pending)).toBe(false);
    expect(verificationStartedAt(pending)).toBe(t0);

    const dns = judgeTxt(records.dnsRecord.name, { kind: "notFound", detail: "NXDOMAIN" }, "tok");
    const http = judgeHttp(records.httpToken.url, { kind: "response", status: 404, body: "" }, "tok");
    const failed = attemptedDomainStatus(pending, { dns, http, nextAttemptMs: t0 + 65 * S }, { nowMs: t0 + 60 * S, generation: 1 });
    expect(failed.verification?.lastVerificationAttempt).toBe("2025-01-01T00:01:00Z");
    expect(failed.verification?.nextVerificationAttempt).toBe("2025-01-01T00:01:05Z");
    const verifiedCond = failed.conditions.find((c) => c.type === "Verified");
    // Same status: the transition time stays, so the backoff keeps counting from the start.
    expect(verifiedCond?.lastTransitionTime).toBe("2025-01-01T00:00:00Z");
    expect(failed.conditions.find((c) => c.type === "VerifiedDNS")).toMatchObject({ reason: "RecordNotFound", message: "TXT record not found" });
    expect(failed.conditions.find((c) => c.type === "VerifiedHTTP")).toMatchObject({ reason: "RecordNotFound" });

    const ok = judgeTxt(records.dnsRecord.name, { kind: "records", values: ["tok"] }, "tok");
    const done = attemptedDomainStatus(failed, { dns: ok, nextAttemptMs: 0 }, { nowMs: t0 + 120 * S });
    expect(done.verification).toBeUndefined();
    expect(done.conditions.map((c) => c.type)).toEqual(["ValidDomain", "Verified"]);
    expect(done.conditions[1]).toMatchObject({ status: "True", reason: "Verified", message: "Domain verification successful", lastTransitionTime: "2025-01-01T00:02:00Z" });
    expect(isDomainVerified(done)).toBe(true);
  });
  it("InvalidApex stops the timers", () => {
    const pending = pendingDomainStatus(undefined, records, false, { nowMs: t0 });
    const invalid = invalidApexDomainStatus(pending, { nowMs: t0 + S });
    expect(invalid.verification?.nextVerificationAttempt).toBeUndefined();
    expect(invalid.conditions.find((c) => c.type === "ValidDomain")).toMatchObject({
      status: "False",
      reason: "InvalidApex",
      message: "Domain is not registrable (public-suffix only or invalid)",
    });
  });
});

describe("hostname claims (pure)", () => {
  const a = { instance: "acme/web/prod", namespace: "default", name: "shop" };
  const b = { instance: "acme/web/staging", namespace: "default", name: "shop" };
  it("builds NSO's ConfigMap", () => {
    expect(claimObject("Shop.Example.com", a)).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "shop.example.com",
        namespace: "datum-downstream-gateway-hostnames",
        labels: {
          "meta.datumapis.com/upstream-cluster-name": "cluster-acme_web_prod",
          "meta.datumapis.com/upstream-namespace": "default",
          "meta.datumapis.com/upstream-name": "shop",
        },
      },
      data: { owner: "acme/web/prod/default/shop" },
    });
    expect(ownerSelector(a)).toBe("meta.datumapis.com/upstream-cluster-name=cluster-acme_web_prod,meta.datumapis.com/upstream-namespace=default,meta.datumapis.com/upstream-name=shop");
  });
  it("decides create / held / conflict", () => {
    expect(decideClaim(undefined, a)).toEqual({ action: "create" });
    expect(decideClaim(claimObject("h.example.com", a), a)).toEqual({ action: "held" });
    expect(decideClaim(claimObject("h.example.com", a), b)).toEqual({ action: "conflict", holder: "acme/web/prod/default/shop" });
    expect(decideClaim({ data: null }, a)).toEqual({ action: "conflict", holder: "" });
  });
  it("names the holder in the conflict message", () => {
    expect(claimConflictMessage("h.example.com", "x/default/shop")).toBe(
      'The hostname "h.example.com" is already attached to a resource: it is claimed by "x/default/shop" (ConfigMap datum-downstream-gateway-hostnames/h.example.com)',
    );
  });
  it("keeps label values valid and distinct", () => {
    const long = "org/" + "p".repeat(80) + "/stack";
    const v = labelValue(`cluster-${long}`);
    expect(v.length).toBeLessThanOrEqual(63);
    expect(v).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
    expect(labelValue(`cluster-${long}x`)).not.toBe(v);
    expect(ownerLabels({ instance: "urn:pulumi:dev::proj", namespace: "ns", name: "n" })["meta.datumapis.com/upstream-cluster-name"]).toMatch(/^cluster-urn_pulumi_dev__proj-[0-9a-f]{10}$/);
  });
  it("finds stale claims", () => {
    expect(staleClaims(["a.example.com", "b.example.com"], ["B.example.com"])).toEqual(["a.example.com"]);
  });
});

describe("records the user must create", () => {
  const gw = { canonicalHostname: "abc-def-12345.datum.local", addresses: ["192.0.2.1", "2001:db8::1"] };
  it("CNAME for a subdomain, A/AAAA at the apex", async () => {
    const { requiredDnsRecords } = await import("../../provider/core/domain/index.ts");
    expect(requiredDnsRecords("Shop.Example.com", gw)).toEqual([{ name: "shop.example.com", type: "CNAME", values: ["abc-def-12345.datum.local"], ttl: 300 }]);
    expect(requiredDnsRecords("example.co.uk", gw)).toEqual([
      { name: "example.co.uk", type: "A", values: ["192.0.2.1"], ttl: 300 },
      { name: "example.co.uk", type: "AAAA", values: ["2001:db8::1"], ttl: 300 },
    ]);
    expect(requiredDnsRecords("www.example.com", { addresses: ["192.0.2.1"] })).toEqual([{ name: "www.example.com", type: "A", values: ["192.0.2.1"], ttl: 300 }]);
    expect(requiredDnsRecords("www.example.com", { addresses: [] })).toEqual([]);
  });
});
