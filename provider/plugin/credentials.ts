/**
 * Header values that are credentials are secret in state whether or not the program marked them:
 * an imported or refreshed object comes from the cluster, which cannot tell which values were
 * secret, and an `Authorization` value in plain state is never what the user wants.
 */
import type { Path, PathSegment } from "./property-path";
import { credentialValues } from "../core/credentials";
import { ACME_STATE_SECRET_PATHS } from "../lifecycle/secret-paths";
import { isObj } from "../core/json";

/** Paths of credential header values (see core/credentials: one classification for every layer). */
export function credentialPaths(v: unknown): { path: Path; value: string }[] {
  return credentialValues(v).map((c) => ({ path: c.path, value: c.value }));
}

/**
 * Values at the state paths the lifecycle declares secret (ACME private and account keys). A
 * pattern segment `[*]` matches every item of a list.
 */
export function stateSecretPaths(value: Record<string, unknown>, patterns: readonly string[] = ACME_STATE_SECRET_PATHS): { path: Path; value: string }[] {
  const out: { path: Path; value: string }[] = [];
  const visit = (v: unknown, segs: readonly string[], path: PathSegment[]): void => {
    const [head, ...rest] = segs;
    if (head === undefined) {
      if (typeof v === "string") out.push({ path, value: v });
      return;
    }
    if (head === "*") {
      if (Array.isArray(v)) v.forEach((e, i) => visit(e, rest, [...path, i]));
      return;
    }
    if (isObj(v)) visit(v[head], rest, [...path, head]);
  };
  for (const p of patterns) visit(value, p.replace(/\[\*\]/g, ".*").split("."), []);
  return out;
}
