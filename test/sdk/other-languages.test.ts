// The Python and Go SDKs (sdk/python, sdk/go) come from Pulumi's own generators
// (test/infra/go/pulumi-codegen over pkg/v3/codegen): they are reproducible from schema.json, the
// Python one installs with pip and the Go one builds and vets against github.com/pulumi/pulumi/sdk/v3.
// A program in each language (test/sdk/programs) runs under Pulumi's in-process mocks — no language
// host, which cannot be built here — and what it registers is what the plugin reads.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeConfig, settingsFrom } from "../../provider/plugin/config";
import { GO_MODULE_PATH } from "../../scripts/gen-schema";
import { run } from "../infra/procs";
import { requireTools, VERSIONS } from "../infra/tools";

const ROOT = join(__dirname, "..", "..");
const PROGRAMS = join(__dirname, "programs");
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

const tools = requireTools("pulumiCodegen", "pulumiPython");
const { version } = JSON.parse(readFileSync(join(ROOT, "schema.json"), "utf8")) as { version: string };
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "pulumi-datum-sdk-langs-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every file under dir, by path relative to it. */
function tree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) files.set(relative(dir, join(e.parentPath, e.name)), readFileSync(join(e.parentPath, e.name), "utf8"));
  }
  return files;
}

interface Registration {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  provider: string | null;
}

interface ProgramReport {
  registrations: Registration[];
  outputs: Record<string, unknown>;
}

function registration(report: ProgramReport, name: string): Registration {
  const r = report.registrations.find((x) => x.name === name);
  if (!r) throw new Error(`${name} was not registered: ${JSON.stringify(report)}`);
  return r;
}

/** What both programs build: Provider cluster-a (secret kubeconfig, non-string settings) and HTTPProxy shop on it. */
function expectShopOnClusterA(report: ProgramReport): void {
  const cluster = registration(report, "cluster-a");
  expect(cluster.type).toBe("pulumi:providers:datum");
  // Secret although the program passed it plain: schema.json marks kubeconfig secret.
  expect(cluster.inputs["kubeconfig"]).toEqual({ [SIG]: SECRET, value: "apiVersion: v1" });
  // The plugin reads the settings the SDK sent (Python JSON-encodes non-strings, Go sends them typed).
  const settings = settingsFrom(decodeConfig(cluster.inputs));
  expect(settings).toMatchObject({ ok: true, settings: { skipAwait: true, timeoutSeconds: 30, guardrails: { gateway: { targetDomain: "a.dev" } } } });
  const shop = registration(report, "shop");
  expect(shop.type).toBe("datum:networking:HTTPProxy");
  expect(shop.inputs).toEqual({
    metadata: { namespace: "edge", labels: { team: "web" } },
    spec: { hostnames: ["shop.example.com"], rules: [{ backends: [{ endpoint: "https://api.example.com" }] }] },
  });
  expect(shop.provider).toMatch(/^urn:pulumi:test::proj::.*pulumi:providers:datum::cluster-a::default\/cluster-a$/);
  expect(report.outputs).toEqual({ ready: true, readiness: "ready", id: "default/shop" });
}

describe("sdk/python and sdk/go are generated", () => {
  it("match what Pulumi's generators write from schema.json (run `make sdk` and commit when this fails)", () => {
    const out = join(work, "regenerated");
    run(tools.pulumiCodegen, ["-schema", join(ROOT, "schema.json"), "-out", out, "python", "go"]);
    for (const lang of ["python", "go"]) {
      const fresh = tree(join(out, lang));
      const committed = tree(join(ROOT, "sdk", lang));
      expect([...committed.keys()].sort(), `sdk/${lang} files`).toEqual([...fresh.keys()].sort());
      const changed = [...fresh].filter(([rel, text]) => committed.get(rel) !== text).map(([rel]) => rel);
      expect(changed, `sdk/${lang} files that differ`).toEqual([]);
    }
  });

  it("carry the package names and version of schema.json", () => {
    expect(readFileSync(join(ROOT, "sdk", "python", "pyproject.toml"), "utf8")).toMatch(new RegExp(`name = "pulumi_datum"[\\s\\S]*version = "${version}"`));
    expect(readFileSync(join(ROOT, "sdk", "go", "go.mod"), "utf8")).toMatch(new RegExp(`^module ${GO_MODULE_PATH}\\n`));
    expect(JSON.parse(readFileSync(join(ROOT, "sdk", "go", "datum", "pulumi-plugin.json"), "utf8"))).toEqual({ resource: true, name: "datum", version });
  });
});

describe("Python SDK", () => {
  it(`installs with pip next to pulumi ${VERSIONS.pulumiPython} from PyPI; a program registers what the plugin reads`, () => {
    // A copy: building the wheel writes build/ and *.egg-info beside pyproject.toml.
    const src = join(work, "python-src");
    cpSync(join(ROOT, "sdk", "python"), src, { recursive: true });
    const site = join(work, "python-site");
    run(tools.pulumiPython, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--no-build-isolation", "--target", site, src]);
    expect(readdirSync(site)).toContain(`pulumi_datum-${version}.dist-info`);
    const stdout = run(tools.pulumiPython, [join(PROGRAMS, "python", "registrations.py")], {
      env: { ...process.env, PYTHONPATH: site, PYTHONDONTWRITEBYTECODE: "1" },
    });
    expectShopOnClusterA(JSON.parse(stdout) as ProgramReport);
  });
});

describe("Go SDK", () => {
  it(
    "vets and builds against github.com/pulumi/pulumi/sdk/v3 from the module proxy; a program registers what the plugin reads",
    () => {
      // A module of the user's: requires the SDK by its module path, replaced by sdk/go.
      const mod = join(work, "go-program");
      cpSync(join(PROGRAMS, "go"), mod, { recursive: true });
      writeFileSync(
        join(mod, "go.mod"),
        `module example.com/program\n\ngo 1.26\n\nrequire (\n\t${GO_MODULE_PATH} v0.1.0\n\tgithub.com/pulumi/pulumi/sdk/v3 ${VERSIONS.pulumiCodegen}\n)\n\n` +
          `replace ${GO_MODULE_PATH} => ${join(ROOT, "sdk", "go")}\n`,
      );
      // -mod=mod writes go.sum in the program's module only; -trimpath shares the build cache with build-tools.sh.
      const env = { ...process.env, CGO_ENABLED: "0", GOWORK: "off", GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod -trimpath" };
      run("go", ["vet", `${GO_MODULE_PATH}/...`], { cwd: mod, env });
      run("go", ["build", "-o", "program", "."], { cwd: mod, env });
      expectShopOnClusterA(JSON.parse(run(join(mod, "program"), [])) as ProgramReport);
    },
    20 * 60_000,
  );
});
