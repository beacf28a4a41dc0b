/**
 * Kubernetes field-path rendering: dotted children, `[i]` for list indices and `[key]` for
 * map keys / URL parts. Paths are plain strings so they cost nothing to build on the hot path.
 */
export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

/** True when `inner` is `outer` itself or lies below it. */
export function isWithin(inner: string, outer: string): boolean {
  if (outer === "") return true;
  if (!inner.startsWith(outer)) return false;
  const next = inner.charAt(outer.length);
  return next === "" || next === "." || next === "[";
}
