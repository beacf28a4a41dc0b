/**
 * provider/kube — the provider's only door to a cluster (no Pulumi imports).
 *
 * How the lifecycle is meant to use it:
 *
 *   const metrics = new RequestCounter();
 *   const client = createKubeClient({ kubeconfig, context }, { fieldManager: "pulumi-datum", metrics });
 *   // up:      for each stage of applyOrder(render(...)): await Promise.all(stage.map((o) => client.apply(o, { signal })))
 *   // prune:   client.list({ apiVersion, kind, namespace, labelSelector: labelSelector(sourceLabels) }) per rendered kind,
 *   //          delete what the new render no longer contains: client.deleteAndWait(refOf(o), { signal })
 *   // await:   awaitReady(appliedObjects, { client, signal, onProgress })   (provider/await)
 *   // preview: client.dryRunApply(o) for every rendered object — metrics.snapshot().writes stays 0
 *
 * Failures are typed KubeErrors (KubeApiError with code/reason/server message/causes,
 * MissingKindError naming what to install, TransportError, DeadlineExceededError,
 * AbortedError), each naming the object it was about.
 */
export * from "./types";
export * from "./errors";
export * from "./metrics";
export * from "./clock";
export * from "./retry";
export * from "./kubeconfig";
export * from "./crd-hints";
export { Discovery, type ResourceInfo } from "./discovery";
export { KubeTransport, CredentialsError, type TransportOptions, type TransportRequest, type TransportResponse } from "./transport";
export * from "./watch";
export * from "./client";
