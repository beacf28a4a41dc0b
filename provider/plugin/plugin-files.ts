/**
 * Files the plugin ships with: schema.json and the package version, found at the package root
 * whether the plugin runs from dist/ or from the TypeScript sources (tests).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export function packageRoot(from: string = __dirname, marker = "schema.json"): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, marker))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`pulumi-resource-datum: ${marker} not found above ${from}; run \`npm run schema\``);
}

export function readSchemaText(root: string = packageRoot()): string {
  return readFileSync(join(root, "schema.json"), "utf8");
}

/** What package.json says about the package: the one place for its name, version and plugin download server. */
export interface PackageInfo {
  readonly name: string;
  readonly version: string;
  /** package.json `pulumi.server`: where the engine downloads the plugin tarball from. */
  readonly pluginDownloadURL?: string;
}

export function readPackageInfo(root: string = packageRoot()): PackageInfo {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name?: unknown; version?: unknown; pulumi?: { server?: unknown } };
  const server = pkg.pulumi?.server;
  return {
    name: typeof pkg.name === "string" ? pkg.name : "",
    version: typeof pkg.version === "string" ? pkg.version : "0.0.0",
    ...(typeof server === "string" && server !== "" && { pluginDownloadURL: server }),
  };
}

export function readPackageVersion(root: string = packageRoot()): string {
  return readPackageInfo(root).version;
}
