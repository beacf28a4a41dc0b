import { describe, expect, test } from "vitest";
import { checkCondition, readAwaitAnnotations, readConditions } from "../../provider/await/index.ts";

const c = (type: string, status: string, reason: string, observedGeneration?: number) => ({
  type, status, reason, message: `${type} says ${reason}`, lastTransitionTime: "2026-11-27T10:00:00Z",
  ...(observedGeneration !== undefined ? { observedGeneration } : {}),
});

describe("checkCondition generation guard", () => {
  const rule = { type: "Programmed", terminalReasons: new Set(["Invalid"]) };

  test("exactly the current generation counts", () => {
    expect(checkCondition(readConditions([c("Programmed", "True", "Programmed", 3)]), rule, 3)).toBeUndefined();
  });
  test("one generation behind is pending, even when terminal", () => {
    expect(checkCondition(readConditions([c("Programmed", "True", "Programmed", 2)]), rule, 3)).toEqual({
      state: "pending",
      message: "Programmed: status is for generation 2, waiting for generation 3",
    });
    expect(checkCondition(readConditions([c("Programmed", "False", "Invalid", 2)]), rule, 3)?.state).toBe("pending");
  });
  test("falls back to status.observedGeneration when the condition has none", () => {
    expect(checkCondition(readConditions([c("Programmed", "True", "Programmed")]), rule, 3, 2)?.state).toBe("pending");
    expect(checkCondition(readConditions([c("Programmed", "True", "Programmed")]), rule, 3, 3)).toBeUndefined();
  });
  test("no generation reported anywhere: taken at face value", () => {
    expect(checkCondition(readConditions([c("Programmed", "True", "Programmed")]), rule, 3)).toBeUndefined();
  });
  test("terminal only with a listed reason and a definite status", () => {
    expect(checkCondition(readConditions([c("Programmed", "False", "Invalid", 1)]), rule, 1)).toEqual({
      state: "failed",
      message: "Programmed=False (Invalid): Programmed says Invalid",
    });
    expect(checkCondition(readConditions([c("Programmed", "Unknown", "Invalid", 1)]), rule, 1)?.state).toBe("pending");
    expect(checkCondition(readConditions([c("Programmed", "False", "Pending", 1)]), rule, 1)).toEqual({
      state: "pending",
      message: "Programmed=False (Pending)",
      detail: "Programmed says Pending",
    });
  });
  test("want False (Conflicted) and optional conditions", () => {
    const conflicted = { type: "Conflicted", want: "False" as const, whenMissing: "ok" as const, terminalReasons: new Set(["HostnameConflict"]) };
    expect(checkCondition([], conflicted, 1)).toBeUndefined();
    expect(checkCondition(readConditions([c("Conflicted", "False", "NoConflicts", 1)]), conflicted, 1)).toBeUndefined();
    expect(checkCondition(readConditions([c("Conflicted", "True", "HostnameConflict", 1)]), conflicted, 1)?.state).toBe("failed");
  });
});

describe("await annotations", () => {
  const withAnn = (a: Record<string, unknown>) => ({ metadata: { name: "x", annotations: a } });
  test("skipAwait and timeoutSeconds", () => {
    expect(readAwaitAnnotations(withAnn({ "pulumi.com/skipAwait": "true" }))).toEqual({ skipAwait: true, errors: [] });
    expect(readAwaitAnnotations(withAnn({ "pulumi.com/skipAwait": "false", "pulumi.com/timeoutSeconds": "90" }))).toEqual({ skipAwait: false, timeoutMs: 90_000, errors: [] });
    expect(readAwaitAnnotations({})).toEqual({ skipAwait: false, errors: [] });
  });
  test("malformed values are reported with their field path", () => {
    const r = readAwaitAnnotations(withAnn({ "pulumi.com/timeoutSeconds": "0", "pulumi.com/skipAwait": "yes" }));
    expect(r.errors).toEqual([
      { field: "metadata.annotations[pulumi.com/timeoutSeconds]", message: 'Invalid value: "0": must be a positive whole number of seconds' },
      { field: "metadata.annotations[pulumi.com/skipAwait]", message: 'Invalid value: "yes": must be "true" or "false"' },
    ]);
    expect(readAwaitAnnotations(withAnn({ "pulumi.com/timeoutSeconds": "1.5" })).errors).toHaveLength(1);
    expect(readAwaitAnnotations(withAnn({ "pulumi.com/timeoutSeconds": "1" })).timeoutMs).toBe(1000);
  });
});
