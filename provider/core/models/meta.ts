import { z } from "zod";

/** The parts of Kubernetes ObjectMeta a user sets on our resources. */
export const objectMetaSchema = z.strictObject({
  name: z.string().describe("DNS-1123 label for HTTPProxy; becomes the Gateway/HTTPRoute name"),
  namespace: z.string().optional().describe("default `default` (or the provider's namespace)"),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export type ObjectMeta = z.infer<typeof objectMetaSchema>;

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & Record<string, unknown>;
  spec?: unknown;
  [k: string]: unknown;
}
