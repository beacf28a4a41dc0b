/**
 * metav1.Condition checks with the generation guard: a condition only counts when the
 * controller wrote it for the object's current metadata.generation. Without the guard a
 * status left over from the previous spec reads as success right after an update.
 */
import { num, str } from "./json";
import { failed, pending, type Readiness } from "./readiness";
import { asArray, asObj } from "../core/json";

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
}

export function readConditions(v: unknown): Condition[] {
  const out: Condition[] = [];
  for (const raw of asArray(v)) {
    const c = asObj(raw);
    const type = str(c["type"]);
    if (type === undefined) continue;
    const og = num(c["observedGeneration"]);
    out.push({
      type,
      status: str(c["status"]) ?? "Unknown",
      reason: str(c["reason"]) ?? "",
      message: str(c["message"]) ?? "",
      ...(og !== undefined ? { observedGeneration: og } : {}),
    });
  }
  return out;
}

export function findCondition(conds: readonly Condition[], type: string): Condition | undefined {
  return conds.find((c) => c.type === type);
}

/** `Programmed=False (AddressNotAssigned)` */
export function conditionText(c: Condition): string {
  return `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ""}`;
}

export interface ConditionRule {
  readonly type: string;
  /** The status that means "good" (True for Accepted, False for Conflicted). Default True. */
  readonly want?: "True" | "False";
  /** Reasons that make a not-good status terminal. */
  readonly terminalReasons?: ReadonlySet<string>;
  /** When the condition is absent: "pending" (default) or "ok" (optional conditions). */
  readonly whenMissing?: "pending" | "ok";
}

/**
 * undefined = satisfied. The observed generation is the condition's own, else the status-wide
 * one; when neither exists the controller does not report generations and the check cannot
 * tell staleness, so the condition is taken at face value (kubectl wait does the same).
 */
export function checkCondition(conds: readonly Condition[], rule: ConditionRule, generation: number | undefined, statusObservedGeneration?: number): Readiness | undefined {
  const c = findCondition(conds, rule.type);
  if (c === undefined) {
    return rule.whenMissing === "ok" ? undefined : pending(`${rule.type}: no status from the controller yet`);
  }
  const observed = c.observedGeneration ?? statusObservedGeneration;
  if (generation !== undefined && observed !== undefined && observed < generation) {
    return pending(`${rule.type}: status is for generation ${observed}, waiting for generation ${generation}`);
  }
  const want = rule.want ?? "True";
  if (c.status === want) return undefined;
  if (c.status !== "Unknown" && rule.terminalReasons?.has(c.reason)) {
    return failed(`${conditionText(c)}${c.message ? `: ${c.message}` : ""}`);
  }
  return pending(conditionText(c), c.message);
}

export function checkAll(conds: readonly Condition[], rules: readonly ConditionRule[], generation: number | undefined, statusObservedGeneration?: number): Readiness[] {
  const out: Readiness[] = [];
  for (const r of rules) {
    const x = checkCondition(conds, r, generation, statusObservedGeneration);
    if (x !== undefined) out.push(x);
  }
  return out;
}
