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

export function readPackageVersion(root: string = packageRoot()): string {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: unknown };
  return typeof pkg.version === "string" ? pkg.version : "0.0.0";
}
