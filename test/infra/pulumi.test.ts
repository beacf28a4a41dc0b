// A trivial TypeScript Pulumi program (a component, config, a dynamic-provider resource and stack
// outputs) runs `pulumi up` end to end with the locally built CLI and a file:// backend, offline.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, pulumiWorkspace, type PulumiWorkspace } from "./pulumi.ts";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";

class Echo implements pulumi.dynamic.ResourceProvider {
  async create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    return { id: \`echo-\${String(inputs["message"])}\`, outs: { ...inputs, created: true } };
  }
}

class Box extends pulumi.ComponentResource {
  readonly greeting: pulumi.Output<string>;
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("datum:test:Box", name, {}, opts);
    this.greeting = pulumi.output(\`hello \${new pulumi.Config().get("who") ?? "world"}\`);
    this.registerOutputs({ greeting: this.greeting });
  }
}

const box = new Box("box");
const echo = new pulumi.dynamic.Resource(new Echo(), "echo", { message: "hi" });
export const greeting = box.greeting;
export const echoId = echo.id;
`;

describe("pulumi CLI (built from Go modules)", () => {
  let ws: PulumiWorkspace;
  beforeAll(() => {
    ws = pulumiWorkspace({ "index.ts": PROGRAM });
  });
  afterAll(() => ws?.dispose());

  it("runs pulumi up / stack output / destroy with a file backend", async () => {
    ok(await ws.run(["login", `file://${ws.dir}/state`]));
    ok(await ws.run(["stack", "init", "dev"]));
    ok(await ws.run(["config", "set", "who", "tester"]));
    const up = ok(await ws.run(["up", "--yes", "--skip-preview"]));
    console.log(`[infra] pulumi up took ${up.ms} ms`);
    expect(up.stdout).toMatch(/3 created/);
    const out = ok(await ws.run(["stack", "output", "--json"]));
    expect(JSON.parse(out.stdout)).toEqual({ greeting: "hello tester", echoId: "echo-hi" });
    const again = ok(await ws.run(["up", "--yes", "--skip-preview"]));
    expect(again.stdout).toMatch(/3 unchanged/);
    const down = ok(await ws.run(["destroy", "--yes", "--skip-preview"]));
    expect(down.stdout).toMatch(/3 deleted/);
  }, 240_000);

  it("reports a failing program as an error", async () => {
    const bad = pulumiWorkspace({ "index.ts": `throw new Error("boom from program");\n` }, "infra-bad");
    try {
      ok(await bad.run(["stack", "init", "dev"]));
      const r = await bad.run(["up", "--yes", "--skip-preview"]);
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/boom from program/);
    } finally {
      bad.dispose();
    }
  }, 120_000);
});
