import type { DnsBackend } from "./dns-backend";

/**
 * PowerDNS Authoritative HTTP API (the backend Datum's dns-operator programs). Records are
 * edited with rrset PATCHes; the zone is the longest zone on the server that contains the name.
 * The API key is sent only as a header and never appears in errors.
 */
export interface PowerDnsOptions {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly serverId?: string;
  /** TTL of challenge records; short so a retried challenge is not shadowed by a cached one. */
  readonly ttl?: number;
  readonly fetch?: typeof fetch;
  readonly requestTimeoutMs?: number;
}

interface ZoneSummary {
  readonly name: string;
  readonly id: string;
}

interface RRSet {
  readonly name: string;
  readonly type: string;
  readonly records?: readonly { content: string; disabled?: boolean }[];
}

const dot = (n: string): string => (n.endsWith(".") ? n.toLowerCase() : `${n.toLowerCase()}.`);

/** TXT content in zone-file form: quoted, with `"` and `\` escaped. */
export function txtContent(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export class PowerDnsError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "PowerDnsError";
  }
}

export class PowerDnsBackend implements DnsBackend {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: PowerDnsOptions) {
    this.base = `${opts.apiUrl.replace(/\/+$/, "")}/api/v1/servers/${encodeURIComponent(opts.serverId ?? "localhost")}`;
    this.doFetch = opts.fetch ?? fetch;
  }

  private async call(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.opts.requestTimeoutMs ?? 10_000);
    const res = await this.doFetch(`${this.base}${path}`, {
      method,
      headers: { "X-API-Key": this.opts.apiKey, "Content-Type": "application/json", Accept: "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
    });
    const text = await res.text();
    if (!res.ok) {
      let detail = text.slice(0, 300);
      try {
        const parsed = JSON.parse(text) as { error?: unknown };
        if (typeof parsed.error === "string") detail = parsed.error;
      } catch {
        /* not JSON: keep the text */
      }
      throw new PowerDnsError(res.status, `PowerDNS ${method} ${path}: HTTP ${res.status}: ${detail}`);
    }
    return text === "" ? undefined : (JSON.parse(text) as unknown);
  }

  /** The most specific zone on the server that contains `fqdn`. */
  async zoneFor(fqdn: string, signal?: AbortSignal): Promise<ZoneSummary> {
    const zones = (await this.call("GET", "/zones", undefined, signal)) as ZoneSummary[];
    const name = dot(fqdn);
    const candidates = zones.filter((z) => name === dot(z.name) || name.endsWith(`.${dot(z.name)}`));
    const best = candidates.sort((a, b) => b.name.length - a.name.length)[0];
    if (best === undefined) {
      throw new PowerDnsError(404, `PowerDNS has no zone containing ${name} (zones: ${zones.map((z) => z.name).join(", ") || "none"})`);
    }
    return best;
  }

  private async currentTxt(zone: ZoneSummary, name: string, signal?: AbortSignal): Promise<string[]> {
    const detail = (await this.call("GET", `/zones/${encodeURIComponent(zone.id)}?rrsets=true`, undefined, signal)) as { rrsets?: RRSet[] };
    const rrset = (detail.rrsets ?? []).find((r) => dot(r.name) === name && r.type === "TXT");
    return (rrset?.records ?? []).map((r) => r.content);
  }

  private async replaceTxt(zone: ZoneSummary, name: string, contents: readonly string[], signal?: AbortSignal): Promise<void> {
    const rrset =
      contents.length === 0
        ? { name, type: "TXT", changetype: "DELETE" }
        : { name, type: "TXT", ttl: this.opts.ttl ?? 60, changetype: "REPLACE", records: contents.map((content) => ({ content, disabled: false })) };
    await this.call("PATCH", `/zones/${encodeURIComponent(zone.id)}`, { rrsets: [rrset] }, signal);
  }

  async addTxt(fqdn: string, value: string, signal?: AbortSignal): Promise<void> {
    const zone = await this.zoneFor(fqdn, signal);
    const name = dot(fqdn);
    const current = await this.currentTxt(zone, name, signal);
    const content = txtContent(value);
    if (current.includes(content)) return;
    await this.replaceTxt(zone, name, [...current, content], signal);
  }

  async removeTxt(fqdn: string, value: string, signal?: AbortSignal): Promise<void> {
    const zone = await this.zoneFor(fqdn, signal);
    const name = dot(fqdn);
    const current = await this.currentTxt(zone, name, signal);
    const content = txtContent(value);
    if (!current.includes(content)) return;
    await this.replaceTxt(
      zone,
      name,
      current.filter((c) => c !== content),
      signal,
    );
  }
}
