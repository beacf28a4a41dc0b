// Opt-in suite (not part of `make test`): needs the optional pulumi-resource-kubernetes build.
//   make infra-k8s-provider && npx vitest run -c test/infra/vitest.k8s-provider.config.ts
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/infra/pulumi-kubernetes.suite.ts"],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});
