/**
 * Property paths as Pulumi writes them (`spec.rules[0].backends[0]`, `metadata.labels["app.kubernetes.io/name"]`).
 * Internally paths are segment arrays so that map keys containing dots or brackets stay unambiguous.
 */
export type PathSegment = string | number;
export type Path = readonly PathSegment[];

const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (SIMPLE_KEY.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** A map key for path sets: unambiguous, unlike the display form. */
export function pathKey(path: Path): string {
  return JSON.stringify(path);
}

/** The first segment of a Pulumi property path (`spec.rules[0]` → `spec`, `["a.b"].c` → `a.b`). */
export function rootProperty(path: string): string {
  if (path.startsWith('["')) {
    const end = path.indexOf('"]');
    if (end > 0) {
      try {
        return JSON.parse(path.slice(1, end + 1)) as string;
      } catch {
        return path;
      }
    }
  }
  const m = /^[^.[]+/.exec(path);
  return m ? m[0] : path;
}
