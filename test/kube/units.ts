// Re-exports for unit tests of provider/kube internals.
export * from "../../provider/kube/index.ts";
export { apiErrorFrom as apiErrorFromForTest } from "../../provider/kube/transport.ts";
