import { labelValue } from "./names";

/**
 * Every rendered object names its source in labels, so read/refresh/prune can select all objects
 * of one HTTPProxy or policy with a label selector, whatever their kind.
 */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "pulumi-datum";
export const SOURCE_KIND_LABEL = "pulumi-datum.io/source-kind";
export const SOURCE_NAMESPACE_LABEL = "pulumi-datum.io/source-namespace";
export const SOURCE_NAME_LABEL = "pulumi-datum.io/source-name";

export interface SourceRef {
  kind: string;
  namespace: string;
  name: string;
}

/** Source labels only; names longer than a label value allows are truncated with a hash. */
export function sourceLabels(src: SourceRef): Record<string, string> {
  return {
    [SOURCE_KIND_LABEL]: labelValue(src.kind),
    [SOURCE_NAMESPACE_LABEL]: labelValue(src.namespace),
    [SOURCE_NAME_LABEL]: labelValue(src.name),
  };
}

/** Labels of an object the provider applies and owns. */
export function ownedLabels(src: SourceRef): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, ...sourceLabels(src) };
}

/** The label selector matching every object rendered from `src`. */
export function sourceSelector(src: SourceRef): string {
  return Object.entries(ownedLabels(src))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}
