// The CLI never echoes a credential: kubeconfigs handed to it by mistake (as a manifest or as the
// --config file; well-formed, or malformed around a token) and credential headers in manifests
// (valid, and rejected) are searched for in everything `validate` and `render` print. The rendered
// HTTPRoute's header filters are the one place a header value belongs (Envoy needs it).
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { main } from "../../provider/cli/main";
import { memoryIO } from "./memory-io";

const TOKEN = "clitok-8b2e5f1a9d3c";
const ARG = "--cliarg=77aa41c9e2";
const PASSWORD = "clipw-5e0d3b8f";
const BEARER = "Bearer clihdr-1f6a9e3c7b2d";
const TOO_LONG = `Bearer clilong-4d8b2f6a${"x".repeat(5000)}`;

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- {name: c, cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}}
users:
- name: u
  user:
    token: ${TOKEN}
    password: ${PASSWORD}
    exec: {command: aws, args: ["${ARG}"]}
contexts:
- {name: x, context: {cluster: c, user: u}}
current-context: x
`;
const malformed = `users:\n- user:\n    token: ${TOKEN}\n   bad: [\n`;

const proxy = (value: string) => `apiVersion: networking.datumapis.com/v1alpha
kind: HTTPProxy
metadata: {name: shop, namespace: team}
spec:
  rules:
  - name: api
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set:
        - {name: Authorization, value: ${JSON.stringify(value)}}
    backends: [{endpoint: "https://api.example.com"}]
`;

async function run(args: string[], files: Record<string, string>): Promise<string> {
  const io = memoryIO(files);
  await main(args, io);
  return io.out + io.err;
}

/** Rendered documents with the HTTPRoute's filters cut out. */
function withoutRouteFilters(out: string): string {
  return yaml
    .loadAll(out)
    .map((d) => {
      const o = d as { kind?: string; spec?: { rules?: Record<string, unknown>[] } };
      return JSON.stringify(o?.kind === "HTTPRoute" ? { ...o, spec: { ...o.spec, rules: o.spec?.rules?.map((r) => ({ ...r, filters: "(cut)" })) } } : o);
    })
    .join("\n");
}

describe("the CLI and secrets", () => {
  const files = { "kc.yaml": kubeconfig, "bad.yaml": malformed, "ok.yaml": proxy(BEARER), "long.yaml": proxy(TOO_LONG) };

  it("never prints a kubeconfig's credentials, nor a rejected or accepted credential header outside the HTTPRoute", async () => {
    const printed: string[] = [];
    for (const cmd of ["validate", "render"]) {
      for (const output of cmd === "validate" ? ["text", "json"] : ["yaml"]) {
        const fmt = cmd === "validate" ? ["--output", output] : [];
        printed.push(await run([cmd, ...fmt, "kc.yaml"], files));
        printed.push(await run([cmd, ...fmt, "bad.yaml"], files));
        printed.push(await run([cmd, ...fmt, "--config", "bad.yaml", "ok.yaml"], files));
        printed.push(await run([cmd, ...fmt, "--config", "kc.yaml", "long.yaml"], files));
        printed.push(await run([cmd, ...fmt, "long.yaml", "kc.yaml"], files));
        if (cmd === "validate") printed.push(await run([cmd, ...fmt, "ok.yaml"], files));
      }
    }
    const rendered = await run(["render", "ok.yaml"], files);
    expect(rendered).toContain(BEARER);
    printed.push(withoutRouteFilters(rendered));
    const text = printed.join("\n");
    expect(text).toMatch(/Too long: may not be more than 4096 bytes/);
    expect(text).toMatch(/bad\.yaml:4: invalid YAML: bad indentation of a mapping entry/);
    for (const s of [TOKEN, ARG, PASSWORD, BEARER, "clihdr-1f6a9e3c7b2d", "clilong-4d8b2f6a"]) expect(text.includes(s), `${s} was printed`).toBe(false);
  });
});
