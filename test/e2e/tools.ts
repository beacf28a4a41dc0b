// Binaries the end-to-end suite runs: the Pulumi CLI and our Node.js language host (built by
// test/infra/build-tools.sh) and Pulumi's YAML language host (test/e2e/build-yaml-host.sh). Both
// are built by `make infra-tools`; a missing one fails the suite with the command to run.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { cacheDir, repoRoot, requireTools } from "../infra/tools.ts";

/** Keep in sync with test/e2e/build-yaml-host.sh and test/e2e/go/pulumi-yaml/go.mod. */
export const YAML_HOST_VERSION = "v1.25.0";

export interface E2eTools {
  readonly root: string;
  readonly pulumi: string;
  /** Directories to put first on PATH: CLI, language hosts, the dynamic-provider host, this Node. */
  readonly pathDirs: readonly string[];
}

export function yamlHostPath(): string {
  return join(cacheDir(), "bin", `pulumi-language-yaml-${YAML_HOST_VERSION}`, "pulumi-language-yaml");
}

export function requireE2eTools(opts: { yaml?: boolean } = {}): E2eTools {
  const infra = requireTools("pulumi", "pulumiLanguageNodejs");
  const root = repoRoot();
  const dirs = [
    dirname(infra.pulumi),
    dirname(infra.pulumiLanguageNodejs),
    // pulumi-resource-pulumi-nodejs (the dynamic-provider host) ships at the root of @pulumi/pulumi.
    join(root, "node_modules", "@pulumi", "pulumi"),
    dirname(process.execPath),
  ];
  if (opts.yaml === true) {
    const yaml = yamlHostPath();
    if (!existsSync(yaml)) {
      throw new Error(`pulumi-language-yaml is missing (${yaml}); run \`make infra-tools\` (test/e2e/build-yaml-host.sh) to build it`);
    }
    dirs.push(dirname(yaml));
  }
  if (!existsSync(join(root, "dist", "provider", "plugin", "main.js"))) {
    throw new Error("the provider is not built (dist/provider/plugin/main.js); run `make setup`");
  }
  return { root, pulumi: infra.pulumi, pathDirs: dirs };
}
