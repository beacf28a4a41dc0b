// The SDK asks the engine for its plugin with what its package.json says — the version, and the
// download server when `pulumi.server` is set — read where the package is installed (the compiled
// dist/sdk/utilities.js placed under a package root of its own, as npm installs it).
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..", "..");
const dirs: string[] = [];

type Utilities = { resourceOptsDefaults(): { version: string; pluginDownloadURL?: string } };

/** A package root with the given package.json and the SDK's compiled utilities module under dist/sdk/. */
function installedUtilities(packageJson: Record<string, unknown>): Utilities {
  const dir = mkdtempSync(join(tmpdir(), "pulumi-datum-sdk-pkg-"));
  dirs.push(dir);
  mkdirSync(join(dir, "dist", "sdk"), { recursive: true });
  cpSync(join(ROOT, "dist", "sdk", "utilities.js"), join(dir, "dist", "sdk", "utilities.js"));
  writeFileSync(join(dir, "package.json"), JSON.stringify(packageJson));
  return require(join(dir, "dist", "sdk", "utilities.js")) as Utilities;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("resource options the SDK adds from its package.json", () => {
  it("the version; no download URL when pulumi.server is not set", () => {
    expect(installedUtilities({ name: "@pulumi-datum/datum", version: "1.2.3", pulumi: { resource: true, name: "datum" } }).resourceOptsDefaults()).toEqual({ version: "1.2.3" });
  });

  it("pulumi.server becomes pluginDownloadURL", () => {
    const u = installedUtilities({ name: "@pulumi-datum/datum", version: "1.2.4", pulumi: { resource: true, name: "datum", server: "github://api.github.com/example/pulumi-datum" } });
    expect(u.resourceOptsDefaults()).toEqual({ version: "1.2.4", pluginDownloadURL: "github://api.github.com/example/pulumi-datum" });
  });
});
