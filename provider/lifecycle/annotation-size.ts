/**
 * The API server refuses an object whose annotations (keys plus values, in bytes) total more than
 * 256 KiB. Checking the rendered objects before any write turns that late, half-applied `up`
 * failure into a preview error that names the object, the field and what to change.
 */
import type { RenderedObject } from "../core/render";
import { SOURCE_ANNOTATION } from "./downstream";

/** apimachinery's TotalAnnotationSizeLimitB. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

function bytes(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/** One message per rendered object whose annotations the API server would refuse. */
export function annotationSizeErrors(objects: readonly RenderedObject[], sourceKind: string): string[] {
  const errors: string[] = [];
  for (const o of objects) {
    const entries = Object.entries(o.metadata.annotations ?? {});
    const total = entries.reduce((n, [k, v]) => n + bytes(k) + bytes(v), 0);
    if (total <= MAX_ANNOTATIONS_BYTES) continue;
    const [largest] = [...entries].sort((a, b) => bytes(b[1]) - bytes(a[1]));
    const key = largest?.[0] ?? "";
    const hint =
      key === SOURCE_ANNOTATION
        ? `the ${sourceKind}'s spec, kept there (compressed) for refresh and import, is too large: split it into several resources or shorten its longest values`
        : `metadata.annotations[${JSON.stringify(key)}] of the ${sourceKind} (${bytes(largest?.[1] ?? "")} bytes) is copied to every downstream object: shorten it`;
    errors.push(`${o.kind} ${o.metadata.namespace}/${o.metadata.name}: metadata.annotations: Too long: ${total} bytes, the API server accepts at most ${MAX_ANNOTATIONS_BYTES}; ${hint}`);
  }
  return errors;
}
