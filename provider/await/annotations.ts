/**
 * pulumi-kubernetes' await annotations, honoured on the objects we apply:
 * `pulumi.com/skipAwait: "true"` and `pulumi.com/timeoutSeconds: "<n>"`.
 */
import { path, str } from "./json";
import { asObj } from "../core/json";

export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";
export const TIMEOUT_SECONDS_ANNOTATION = "pulumi.com/timeoutSeconds";

export interface AwaitAnnotations {
  readonly skipAwait: boolean;
  readonly timeoutMs?: number;
  /** Field errors for malformed values (apimachinery-style messages). */
  readonly errors: readonly { readonly field: string; readonly message: string }[];
}

export function readAwaitAnnotations(o: unknown): AwaitAnnotations {
  const a = asObj(path(o, "metadata", "annotations"));
  const errors: { field: string; message: string }[] = [];
  const skip = str(a[SKIP_AWAIT_ANNOTATION]);
  const timeout = str(a[TIMEOUT_SECONDS_ANNOTATION]);
  let timeoutMs: number | undefined;
  if (timeout !== undefined) {
    const t = timeout.trim();
    if (/^\d+$/.test(t) && Number(t) > 0) timeoutMs = Number(t) * 1000;
    else {
      errors.push({
        field: `metadata.annotations[${TIMEOUT_SECONDS_ANNOTATION}]`,
        message: `Invalid value: ${JSON.stringify(timeout)}: must be a positive whole number of seconds`,
      });
    }
  }
  if (skip !== undefined && skip !== "true" && skip !== "false") {
    errors.push({ field: `metadata.annotations[${SKIP_AWAIT_ANNOTATION}]`, message: `Invalid value: ${JSON.stringify(skip)}: must be "true" or "false"` });
  }
  return { skipAwait: skip === "true", ...(timeoutMs !== undefined ? { timeoutMs } : {}), errors };
}
