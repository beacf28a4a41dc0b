// Real ACME (pebble) + real authoritative DNS (PowerDNS): acme-client obtains a certificate via
// DNS-01 with the TXT record written through the PowerDNS HTTP API.
import * as acme from "acme-client";
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPebble, type Pebble } from "./pebble.ts";
import { startPowerDns, type PowerDns } from "./powerdns.ts";
import { waitFor } from "./procs.ts";

describe("pebble + PowerDNS", () => {
  let pdns: PowerDns;
  let pebble: Pebble;
  const zone = "example.test";

  beforeAll(async () => {
    const t0 = Date.now();
    pdns = await startPowerDns();
    await pdns.createZone(zone);
    pebble = await startPebble({ dnsServer: pdns.dnsAddress });
    console.log(`[infra] PowerDNS ${pdns.dnsAddress} + pebble ${pebble.directoryUrl} started in ${Date.now() - t0} ms`);
  });

  afterAll(async () => {
    await pebble?.stop();
    await pdns?.stop();
  });

  it("serves records added and removed through the HTTP API", async () => {
    const r = pdns.resolver();
    await expect(r.resolve4(`www.${zone}`)).rejects.toMatchObject({ code: "ENOTFOUND" });
    await pdns.setRecord(zone, `www.${zone}`, "A", ["192.0.2.1"]);
    expect(await r.resolve4(`www.${zone}`)).toEqual(["192.0.2.1"]);
    await pdns.setRecord(zone, `alias.${zone}`, "CNAME", [`www.${zone}.`]);
    expect(await r.resolveCname(`alias.${zone}`)).toEqual([`www.${zone}`]);
    await pdns.deleteRecord(zone, `www.${zone}`, "A");
    await expect(r.resolve4(`www.${zone}`)).rejects.toMatchObject({ code: "ENOTFOUND" });
  });

  it("issues a certificate via DNS-01", async () => {
    acme.axios.defaults.httpsAgent = pebble.agent;
    const client = new acme.Client({
      directoryUrl: pebble.directoryUrl,
      accountKey: await acme.crypto.createPrivateEcdsaKey(),
    });
    const host = `app.${zone}`;
    const [key, csr] = await acme.crypto.createCsr({ commonName: host, altNames: [host] }, await acme.crypto.createPrivateEcdsaKey());
    expect(key.length).toBeGreaterThan(0);
    const resolver = pdns.resolver();
    const t0 = Date.now();
    const cert = await client.auto({
      csr,
      email: "test@example.test",
      termsOfServiceAgreed: true,
      challengePriority: ["dns-01"],
      // acme-client's own check uses the process-wide resolver; verify against PowerDNS instead.
      skipChallengeVerification: true,
      challengeCreateFn: async (authz, _challenge, keyAuthorization) => {
        const name = `_acme-challenge.${authz.identifier.value}`;
        await pdns.setRecord(zone, name, "TXT", [`"${keyAuthorization}"`]);
        await waitFor(
          `TXT ${name}`,
          async () => ((await resolver.resolveTxt(name)).flat().includes(keyAuthorization) ? true : undefined),
          { timeoutMs: 5_000, intervalMs: 50 },
        );
      },
      challengeRemoveFn: async (authz) => {
        await pdns.deleteRecord(zone, `_acme-challenge.${authz.identifier.value}`, "TXT");
      },
    });
    const ms = Date.now() - t0;
    console.log(`[infra] DNS-01 issuance took ${ms} ms`);
    const leaf = new X509Certificate(cert);
    expect(leaf.subjectAltName).toContain(`DNS:${host}`);
    expect(leaf.issuer).toMatch(/Pebble/);
    const root = await pebble.rootCert();
    expect(root).toContain("BEGIN CERTIFICATE");
  });
});
