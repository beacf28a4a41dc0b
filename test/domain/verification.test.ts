// Domain verification against a real authoritative DNS server (PowerDNS on loopback) and a real
// HTTP server on 127.0.0.1. NSO's multi-minute backoff runs on a virtual clock; every lookup and
// request is real.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verificationRecords, type DomainStatus, type VerificationRecords } from "../../provider/core/domain/index.ts";
import {
  attemptDomainVerification,
  runDomainVerification,
  createHttpGet,
  createResolver,
  waitForVerification,
  type DnsResolver,
  type HttpGet,
} from "../../provider/await/dns/index.ts";
import { startPowerDns, type PowerDns } from "../infra/powerdns.ts";
import { startLocalHttp, type LocalHttp } from "./local-http.ts";
import { VirtualClock } from "./virtual-clock.ts";

const ZONE = "verify.test";
const S = 1_000;
const M = 60 * S;
const TOKEN = "6f1c2b9e-3d4a-4b8e-9c1f-2a3b4c5d6e7f";

let pdns: PowerDns;
let web: LocalHttp;
let resolver: DnsResolver;
let httpGet: HttpGet;
let seq = 0;
const timings: string[] = [];

/** A fresh domain per test so records never leak between cases. */
function freshDomain(): { domain: string; records: VerificationRecords } {
  const domain = `d${++seq}.${ZONE}`;
  return { domain, records: verificationRecords({ domainName: domain, token: TOKEN, id: `uid-${seq}` }) };
}

const txt = (v: string): string => `"${v}"`;

beforeAll(async () => {
  pdns = await startPowerDns();
  await pdns.createZone(ZONE);
  web = await startLocalHttp();
  resolver = createResolver({ servers: [pdns.dnsAddress], timeoutMs: 1_000, tries: 1 });
  // The token URL says http://<domain>/ (port 80): resolve through PowerDNS, dial the local server.
  httpGet = createHttpGet({ resolver, connectTo: (_host, port) => (port === 80 ? { host: "127.0.0.1", port: web.port } : undefined) });
});

afterAll(async () => {
  console.log(`[domain] verification timings:\n  ${timings.join("\n  ")}`);
  await web?.close();
  await pdns?.stop();
});

describe("one attempt", () => {
  it("verifies by TXT without touching HTTP", async () => {
    const { domain, records } = freshDomain();
    await pdns.setRecord(ZONE, records.dnsRecord.name, "TXT", [txt("unrelated"), txt(TOKEN)]);
    const before = web.requests.length;
    const t0 = performance.now();
    const a = await attemptDomainVerification(records, { resolver, httpGet });
    timings.push(`single TXT attempt for ${domain}: ${(performance.now() - t0).toFixed(1)} ms`);
    expect(a).toMatchObject({ verified: true, method: "dns" });
    expect(a.http).toBeUndefined();
    expect(web.requests.length).toBe(before);
  });

  it("reports a wrong TXT value with what was found and what is wanted", async () => {
    const { records } = freshDomain();
    await pdns.setRecord(ZONE, records.dnsRecord.name, "TXT", [txt("abc")]);
    const a = await attemptDomainVerification(records, { resolver, httpGet });
    expect(a.verified).toBe(false);
    expect(a.dns).toMatchObject({ reason: "VerificationRecordContentMismatch", message: `TXT record content mismatch. Expected "${TOKEN}", got "abc"` });
    expect(a.dns.progress).toBe(`TXT ${records.dnsRecord.name}: found 'abc', want '${TOKEN}'`);
  });

  it("joins the character-strings of one long TXT record", async () => {
    const { records } = freshDomain();
    await pdns.setRecord(ZONE, records.dnsRecord.name, "TXT", [`"${TOKEN.slice(0, 10)}" "${TOKEN.slice(10)}"`]);
    expect((await attemptDomainVerification(records, { resolver, httpGet })).verified).toBe(true);
  });

  it("follows a CNAME on the TXT name (delegated verification record)", async () => {
    const { domain, records } = freshDomain();
    await pdns.setRecord(ZONE, records.dnsRecord.name, "CNAME", [`proof.${domain}.`]);
    await pdns.setRecord(ZONE, `proof.${domain}`, "TXT", [txt(TOKEN)]);
    expect(await attemptDomainVerification(records, { resolver, httpGet })).toMatchObject({ verified: true, method: "dns" });
  });

  it("distinguishes NXDOMAIN from a name without TXT records", async () => {
    const { records } = freshDomain();
    const nx = await attemptDomainVerification(records, { resolver, httpGet });
    expect(nx.dns).toMatchObject({ reason: "RecordNotFound", message: "TXT record not found" });
    expect(nx.dns.progress).toContain("not found (NXDOMAIN)");
    await pdns.setRecord(ZONE, records.dnsRecord.name, "A", ["192.0.2.10"]);
    const nodata = await attemptDomainVerification(records, { resolver, httpGet });
    expect(nodata.dns.reason).toBe("RecordNotFound");
    expect(nodata.dns.progress).toContain("no records of this type");
  });

  it("falls back to the HTTP token when DNS fails", async () => {
    const { domain, records } = freshDomain();
    await pdns.setRecord(ZONE, domain, "A", ["127.0.0.1"]);
    const path = new URL(records.httpToken.url).pathname;
    web.handle((req, res) => {
      if (req.url === path && req.headers.host === domain) res.end(`${TOKEN}\n`);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    const t0 = performance.now();
    const a = await attemptDomainVerification(records, { resolver, httpGet });
    timings.push(`TXT miss + HTTP token hit for ${domain}: ${(performance.now() - t0).toFixed(1)} ms`);
    expect(a).toMatchObject({ verified: true, method: "http" });
    expect(a.dns.reason).toBe("RecordNotFound");
    expect(a.http).toMatchObject({ passed: true, message: "HTTP token verification successful" });
  });

  it("maps HTTP answers to NSO's reasons", async () => {
    const { domain, records } = freshDomain();
    await pdns.setRecord(ZONE, domain, "A", ["127.0.0.1"]);
    const cases: [number, string, string][] = [
      [404, "", "HTTP token endpoint not found"],
      [503, "", "unexpected status code from HTTP token endpoint. HTTP 503"],
      [200, "someone-else", `HTTP token content mismatch. Expected "${TOKEN}", got "someone-else"`],
    ];
    for (const [status, body, message] of cases) {
      web.handle((_req, res) => {
        res.statusCode = status;
        res.end(body);
      });
      expect((await attemptDomainVerification(records, { resolver, httpGet })).http?.message).toBe(message);
    }
  });

  it("follows redirects like Go's client", async () => {
    const { domain, records } = freshDomain();
    await pdns.setRecord(ZONE, domain, "A", ["127.0.0.1"]);
    web.handle((req, res) => {
      if (req.url === "/moved") res.end(TOKEN);
      else {
        res.statusCode = 302;
        res.setHeader("Location", "/moved");
        res.end();
      }
    });
    expect(await attemptDomainVerification(records, { resolver, httpGet })).toMatchObject({ verified: true, method: "http" });
  });

  it("reads only the first 1 KiB of the token response", async () => {
    const { domain, records } = freshDomain();
    await pdns.setRecord(ZONE, domain, "A", ["127.0.0.1"]);
    let wrote = 0;
    web.handle((_req, res) => {
      const chunk = "x".repeat(64 * 1024);
      // 16 MiB unless the client stops reading: it must not.
      const pump = (): void => {
        while (wrote < 16 * 1024 * 1024) {
          wrote += chunk.length;
          if (!res.write(chunk)) {
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      res.on("error", () => undefined);
      pump();
    });
    const a = await attemptDomainVerification(records, { resolver, httpGet });
    expect(a.http?.reason).toBe("VerificationRecordContentMismatch");
    expect(a.http?.message).toBe(`HTTP token content mismatch. Expected "${TOKEN}", got "${"x".repeat(1024)}"`);
    expect(wrote).toBeLessThan(16 * 1024 * 1024);
  });

  it("times out a slow token endpoint within the attempt deadline", async () => {
    const { domain, records } = freshDomain();
    await pdns.setRecord(ZONE, domain, "A", ["127.0.0.1"]);
    web.handle((_req, res) => {
      setTimeout(() => res.end(TOKEN), 2_000).unref();
    });
    const t0 = performance.now();
    const a = await attemptDomainVerification(records, { resolver, httpGet, attemptTimeoutMs: 300 });
    expect(performance.now() - t0).toBeLessThan(1_500);
    expect(a.http).toMatchObject({ reason: "PendingVerification", message: "Timeout encountered while fetching HTTP token" });
  });

  it("reports a refused connection as unreachable", async () => {
    const { domain, records } = freshDomain();
    await pdns.setRecord(ZONE, domain, "A", ["127.0.0.1"]);
    const closed = await startLocalHttp();
    const port = closed.port;
    await closed.close();
    const get = createHttpGet({ resolver, connectTo: () => ({ host: "127.0.0.1", port }) });
    const a = await attemptDomainVerification(records, { resolver, httpGet: get });
    expect(a.http).toMatchObject({ reason: "PendingVerification", message: "unable to establish connection with HTTP token endpoint" });
  });

  it("reports an unresolvable domain as unreachable", async () => {
    const { records } = freshDomain();
    const a = await attemptDomainVerification(records, { resolver, httpGet: createHttpGet({ resolver }) });
    expect(a.http?.message).toBe("unable to establish connection with HTTP token endpoint");
    expect(a.http?.progress).toContain("ENOTFOUND");
  });
});

describe("waiting on NSO's schedule", () => {
  it("verifies when the TXT record appears late (NXDOMAIN, then found at minute 7)", async () => {
    const { records } = freshDomain();
    const clock = new VirtualClock();
    clock.at(7 * M, () => pdns.setRecord(ZONE, records.dnsRecord.name, "TXT", [txt(TOKEN)]));
    const progress: string[] = [];
    const t0 = performance.now();
    const r = await waitForVerification(records, { resolver, httpGet: createHttpGet({ resolver }), clock, random: () => 0, onProgress: (m) => progress.push(m) });
    timings.push(`late record (virtual 7 min, ${r.attempts} real attempts): ${(performance.now() - t0).toFixed(0)} ms wall`);
    expect(r.verified).toBe(true);
    // No jitter: 5 s steps through 5:00 (61 attempts), then 1 min steps: 6:05, 7:05 → found.
    expect(r.attempts).toBe(64);
    expect(r.elapsedMs).toBe(7 * M + 5 * S);
    expect(clock.sleeps.slice(0, 3)).toEqual([5 * S, 5 * S, 5 * S]);
    expect(clock.sleeps.slice(60, 63)).toEqual([5 * S, M, M]);
    expect(progress[0]).toMatch(/^TXT datum-custom-hostname\.d\d+\.verify\.test: not found \(NXDOMAIN\), want '6f1c2b9e-.*'; HTTP .*: cannot connect .* \(next check in 5s\)$/);
    expect(progress.at(-1)).toBe(`TXT ${records.dnsRecord.name}: found '${TOKEN}' (verified)`);
  });

  it("keeps reporting a wrong value until it is corrected", async () => {
    const { records } = freshDomain();
    await pdns.setRecord(ZONE, records.dnsRecord.name, "TXT", [txt("abc")]);
    const clock = new VirtualClock();
    clock.at(30 * S, () => pdns.setRecord(ZONE, records.dnsRecord.name, "TXT", [txt(TOKEN)]));
    const progress: string[] = [];
    const r = await waitForVerification(records, { resolver, httpGet: createHttpGet({ resolver }), clock, random: () => 0, onProgress: (m) => progress.push(m) });
    expect(r).toMatchObject({ verified: true, attempts: 7 });
    expect(progress.filter((m) => m.includes(`found 'abc', want '${TOKEN}'`))).toHaveLength(6);
  });

  it("resumes the schedule from when the Domain started waiting", async () => {
    const { records } = freshDomain();
    const clock = new VirtualClock();
    const r = await waitForVerification(records, {
      resolver,
      httpGet: createHttpGet({ resolver }),
      clock,
      random: () => 0,
      startedAtMs: clock.now() - 20 * M,
      timeoutMs: 12 * M,
    });
    expect(r.verified).toBe(false);
    expect(clock.sleeps).toEqual([5 * M, 5 * M, 2 * M]);
  });

  it("applies jitter of at most +25%", async () => {
    const { records } = freshDomain();
    const clock = new VirtualClock();
    await waitForVerification(records, { resolver, httpGet: createHttpGet({ resolver }), clock, random: () => 0.999, timeoutMs: 20 * S });
    expect(clock.sleeps[0]).toBe(6_249);
  });

  it("gives up at the timeout with the last findings, looking once more at the deadline", async () => {
    const { records } = freshDomain();
    const clock = new VirtualClock();
    const r = await waitForVerification(records, { resolver, httpGet: createHttpGet({ resolver }), clock, random: () => 0, timeoutMs: 2 * M });
    expect(r.verified).toBe(false);
    if (r.verified) return;
    expect(r.reason).toBe("timeout");
    expect(r.attempts).toBe(25);
    expect(r.elapsedMs).toBe(2 * M);
    expect(r.lastAttempt?.dns.reason).toBe("RecordNotFound");
    expect(r.message).toMatch(new RegExp(`^Domain d\\d+\\.verify\\.test: not verified after 120s: TXT ${records.dnsRecord.name.replace(/\./g, "\\.")}: not found`));
  });

  it("stops promptly when aborted", async () => {
    const { records } = freshDomain();
    const ac = new AbortController();
    const clock = new VirtualClock();
    clock.at(42 * S, () => ac.abort(new Error("user pressed ^C")));
    const r = await waitForVerification(records, { resolver, httpGet: createHttpGet({ resolver }), clock, random: () => 0, signal: ac.signal });
    expect(r).toMatchObject({ verified: false, reason: "aborted" });
    expect(r.attempts).toBe(9);
  });

  it("reports every attempt with its next due time (for Domain status)", async () => {
    const { records } = freshDomain();
    const clock = new VirtualClock();
    clock.at(10 * S, () => pdns.setRecord(ZONE, records.dnsRecord.name, "TXT", [txt(TOKEN)]));
    const seen: [boolean, number, number][] = [];
    const start = clock.now();
    await waitForVerification(records, {
      resolver,
      httpGet: createHttpGet({ resolver }),
      clock,
      random: () => 0,
      onAttempt: (a, at, next) => {
        seen.push([a.verified, at - start, next - start]);
      },
    });
    expect(seen).toEqual([
      [false, 0, 5 * S],
      [false, 5 * S, 10 * S],
      [true, 10 * S, 10 * S],
    ]);
  });
});

describe("runDomainVerification (the provider as NSO's Domain controller)", () => {
  it("marks a public suffix InvalidApex and does not wait", async () => {
    const writes: DomainStatus[] = [];
    const r = await runDomainVerification({ domainName: "co.uk", token: TOKEN, uid: "u", wait: true, resolver, httpGet, writeStatus: async (s) => void writes.push(s) });
    expect(r.state).toBe("invalidApex");
    expect(writes).toHaveLength(1);
    expect(writes[0]?.conditions).toEqual([expect.objectContaining({ type: "ValidDomain", status: "False", reason: "InvalidApex" })]);
  });

  it("publishes the records and returns at once with waitForVerification: false", async () => {
    const { domain } = freshDomain();
    const writes: DomainStatus[] = [];
    const r = await runDomainVerification({ domainName: domain, token: TOKEN, uid: "uid-x", wait: false, resolver, httpGet, writeStatus: async (s) => void writes.push(s) });
    expect(r.state).toBe("pending");
    expect(writes).toHaveLength(1);
    expect(writes[0]?.verification?.dnsRecord).toEqual({ name: `datum-custom-hostname.${domain}`, type: "TXT", content: TOKEN });
    expect(writes[0]?.verification?.httpToken.url).toBe(`http://${domain}/.well-known/datum-custom-hostname-challenge/uid-x`);
    expect(writes[0]?.apex).toBe(false);
  });

  it("writes status after each attempt and ends verified without the scaffolding", async () => {
    const { domain, records } = freshDomain();
    const clock = new VirtualClock();
    clock.at(12 * S, () => pdns.setRecord(ZONE, records.dnsRecord.name, "TXT", [txt(TOKEN)]));
    const writes: DomainStatus[] = [];
    const r = await runDomainVerification({
      domainName: domain,
      token: TOKEN,
      uid: `uid-${seq}`,
      generation: 1,
      wait: true,
      resolver,
      httpGet: createHttpGet({ resolver }),
      clock,
      random: () => 0,
      writeStatus: async (s) => void writes.push(s),
    });
    expect(r.state).toBe("verified");
    // pending, then attempts at 0 s and 5 s (next due times differ), 10 s, then verified at 15 s.
    expect(writes.map((w) => w.conditions.find((c) => c.type === "Verified")?.status)).toEqual(["False", "False", "False", "False", "True"]);
    expect(writes[1]?.conditions.find((c) => c.type === "VerifiedDNS")).toMatchObject({ reason: "RecordNotFound", message: "TXT record not found" });
    expect(writes[1]?.conditions.find((c) => c.type === "VerifiedHTTP")).toMatchObject({ message: "unable to establish connection with HTTP token endpoint" });
    expect(writes[1]?.verification?.nextVerificationAttempt).toBe("2025-01-01T00:00:05Z");
    expect(r.status.verification).toBeUndefined();
    expect(r.status.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(["ValidDomain=True", "Verified=True"]);
  });

  it("resumes the backoff from the Verified condition of a previous run, and never re-verifies", async () => {
    const { domain } = freshDomain();
    const clock = new VirtualClock();
    const first = await runDomainVerification({ domainName: domain, token: TOKEN, uid: "u", wait: false, resolver, httpGet, clock: new VirtualClock(clock.now() - 20 * M) });
    const r = await runDomainVerification({
      domainName: domain,
      token: TOKEN,
      uid: "u",
      wait: true,
      timeoutMs: 6 * M,
      previousStatus: first.status,
      resolver,
      httpGet: createHttpGet({ resolver }),
      clock,
      random: () => 0,
    });
    expect(r.state).toBe("pending");
    expect(clock.sleeps).toEqual([5 * M, M]);
    const writes: DomainStatus[] = [];
    const verified: DomainStatus = { conditions: [{ type: "Verified", status: "True", reason: "Verified", message: "Domain verification successful", lastTransitionTime: "2025-01-01T00:00:00Z" }] };
    const again = await runDomainVerification({ domainName: domain, token: TOKEN, uid: "u", wait: true, previousStatus: verified, resolver, httpGet, writeStatus: async (s) => void writes.push(s) });
    expect(again.state).toBe("verified");
    expect(writes).toEqual([]);
  });
});
