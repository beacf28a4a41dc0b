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

/** A field of the input that no schema declares: the path of the object holding it, and its name. */
export interface UndeclaredField {
  parent: string;
  name: string;
}

/**
 * Where an undeclared field is: `a.b` for a plain name, `a[x.y]` for one that would not read
 * back as one segment, and the holding object itself for a name with brackets (no path spells it).
 */
export function undeclaredFieldPath(f: UndeclaredField): string {
  if (/^[A-Za-z0-9_$-]+$/.test(f.name)) return child(f.parent, f.name);
  return /[[\]]/.test(f.name) ? f.parent : key(f.parent, f.name);
}

/** True when `inner` is `outer` itself or lies below it. */
export function isWithin(inner: string, outer: string): boolean {
  if (outer === "") return true;
  if (!inner.startsWith(outer)) return false;
  const next = inner.charAt(outer.length);
  return next === "" || next === "." || next === "[";
}
