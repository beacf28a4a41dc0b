/**
 * Entry point of `pulumi-resource-datum`: `node dist/provider/plugin/main.js <engine-address>`.
 * Start-up loads only gRPC and the provider stubs; zod, the guardrails and the Kubernetes client
 * are loaded on Configure, so `pulumi` gets the port (and the schema) quickly.
 */
import * as nodeModule from "node:module";

// Reuses V8's compiled code across plugin starts (Node ≥ 22.1); a no-op where unsupported.
nodeModule.enableCompileCache?.();

import { loadEngineModule } from "./engine-module";
import { packageRoot, readPackageVersion, readSchemaText } from "./plugin-files";
import { startPlugin } from "./server";

async function main(argv: string[]): Promise<void> {
  const root = packageRoot();
  let schema: string | undefined;
  const plugin = await startPlugin({
    version: readPackageVersion(root),
    schema: () => (schema ??= readSchemaText(root)),
    loadEngine: loadEngineModule,
    ...(argv[0] && { engineAddress: argv[0] }),
  });
  const stop = (): void => {
    void plugin.stop().finally(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // The engine reads this line to connect; nothing else may be printed on stdout before it.
  process.stdout.write(`${plugin.port}\n`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`pulumi-resource-datum: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
