import { describe, expect, test } from "vitest";
import {
  AbortedError,
  apiErrorFromForTest,
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  DeadlineExceededError,
  installHintFor,
  isRetryable,
  KubeApiError,
  labelSelector,
  looksLikeKubeconfigContents,
  TransportError,
  withRetry,
  type RetryPolicy,
} from "./units.ts";
import { ManualClock } from "../await/manual-clock.ts";

const policy: RetryPolicy = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, jitter: 0.5 };
const subject = { apiVersion: "v1", kind: "ConfigMap", namespace: "ns", name: "x" };
const e503 = () => new KubeApiError("get", subject, 503, "ServiceUnavailable", "etcd leader changed");

describe("backoffDelay", () => {
  test("exponential, capped, and jittered downwards by at most `jitter`", () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, policy, () => 1))).toEqual([50, 100, 200, 400]);
    expect(backoffDelay(0, { ...policy, jitter: 0 }, () => 0.9)).toBe(100);
    expect(backoffDelay(0, { ...policy, jitter: 7 }, () => 1)).toBe(0);
  });
});

describe("withRetry", () => {
  test("retries retryable errors with the schedule, then returns", async () => {
    const clock = new ManualClock();
    const sleeps: number[] = [];
    let n = 0;
    const p = withRetry({ verb: "get", subject, policy, clock, random: () => 0, onRetry: (_a, d) => sleeps.push(d) }, async () => {
      if (n++ < 3) throw e503();
      return "ok";
    });
    for (let i = 0; i < 4; i++) await clock.advance(1_000);
    expect(await p).toBe("ok");
    expect(sleeps).toEqual([100, 200, 400]);
  });

  test("gives up after maxAttempts with the last error", async () => {
    const clock = new ManualClock();
    let n = 0;
    const p = withRetry({ verb: "get", subject, policy: { ...policy, maxAttempts: 3 }, clock, random: () => 0 }, async () => {
      n++;
      throw new TransportError("get", subject, "ECONNRESET");
    }).catch((e: unknown) => e);
    for (let i = 0; i < 3; i++) await clock.advance(1_000);
    const err = await p;
    expect(n).toBe(3);
    expect(err).toBeInstanceOf(TransportError);
  });

  test("does not sleep past the deadline", async () => {
    const clock = new ManualClock(0);
    let n = 0;
    const p = withRetry({ verb: "get", subject, policy, clock, random: () => 0, deadline: 250 }, async () => {
      n++;
      throw e503();
    }).catch((e: unknown) => e);
    await clock.advance(100); // after 1st failure: sleep 100 → t=100; 2nd fails; next sleep 200 would end at 300 > 250
    const err = await p;
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect((err as DeadlineExceededError).attempts).toBe(2);
    expect((err as DeadlineExceededError).lastError).toBeInstanceOf(KubeApiError);
    expect(n).toBe(2);
  });

  test("Retry-After stretches the delay", async () => {
    const clock = new ManualClock();
    const sleeps: number[] = [];
    let n = 0;
    const p = withRetry({ verb: "apply", subject, policy, clock, random: () => 0, onRetry: (_a, d) => sleeps.push(d) }, async () => {
      if (n++ === 0) throw new KubeApiError("apply", subject, 429, "TooManyRequests", "slow down", [], 2);
      return 1;
    });
    await clock.advance(2_000);
    await p;
    expect(sleeps).toEqual([2_000]);
  });

  test("non-retryable errors pass through at once; cancellation ends a sleep", async () => {
    const clock = new ManualClock();
    const conflict = new KubeApiError("apply", subject, 409, "Conflict", "conflict");
    await expect(withRetry({ verb: "apply", subject, policy, clock, random: () => 0 }, async () => Promise.reject(conflict))).rejects.toBe(conflict);
    const ctl = new AbortController();
    const p = withRetry({ verb: "get", subject, policy, clock, random: () => 0, signal: ctl.signal }, async () => Promise.reject(e503())).catch((e: unknown) => e);
    await new Promise((r) => setImmediate(r));
    ctl.abort(new Error("cancel requested"));
    const err = await p;
    expect(err).toBeInstanceOf(AbortedError);
    expect((err as AbortedError).message).toBe("get ConfigMap ns/x: aborted (cancel requested)");
  });
});

describe("error classification", () => {
  test("retryable: 429, 5xx, transport; not: 4xx, 501, SSA schema 500s", () => {
    expect(isRetryable(new KubeApiError("get", subject, 429, "", ""))).toBe(true);
    expect(isRetryable(new KubeApiError("get", subject, 500, "InternalError", "Internal error occurred: etcd"))).toBe(true);
    expect(isRetryable(new KubeApiError("get", subject, 504, "", ""))).toBe(true);
    expect(isRetryable(new KubeApiError("get", subject, 501, "", ""))).toBe(false);
    expect(isRetryable(new KubeApiError("get", subject, 404, "NotFound", ""))).toBe(false);
    expect(isRetryable(new KubeApiError("apply", subject, 500, "", "failed to create typed patch object (ns/x; /v1, Kind=ConfigMap): .dta: field not declared in schema"))).toBe(false);
    expect(isRetryable(new TransportError("get", subject, "ECONNREFUSED"))).toBe(true);
    expect(isRetryable(new Error("bug"))).toBe(false);
  });

  test("Status bodies keep reason, message, causes and retryAfterSeconds; other bodies are quoted", () => {
    const e = apiErrorFromForTest("apply", subject, 422, {
      kind: "Status",
      status: "Failure",
      reason: "Invalid",
      message: 'ConfigMap "x" is invalid: data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters',
      details: { causes: [{ field: "data[a b]", reason: "FieldValueInvalid", message: "Invalid value" }, "junk"], retryAfterSeconds: 3 },
      code: 422,
    });
    expect(e.reason).toBe("Invalid");
    expect(e.causes).toEqual([{ field: "data[a b]", reason: "FieldValueInvalid", message: "Invalid value" }]);
    expect(e.retryAfterSeconds).toBe(3);
    expect(e.message).toBe('apply ConfigMap ns/x: ConfigMap "x" is invalid: data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters (HTTP 422 Invalid)');
    const raw = apiErrorFromForTest("get", subject, 502, "<html>bad gateway</html>", { "retry-after": "7" });
    expect(raw.message).toBe("get ConfigMap ns/x: <html>bad gateway</html> (HTTP 502)");
    expect(raw.retryAfterSeconds).toBe(7);
  });
});

describe("small helpers", () => {
  test("install hints", () => {
    expect(installHintFor("gateway.networking.k8s.io")).toBe("install the Gateway API CRDs v1.5.1");
    expect(installHintFor("example.com")).toBe("install the CRD that defines it (API group example.com)");
    expect(installHintFor("")).toBe("this Kubernetes version does not serve it; use a cluster version that does");
    expect(installHintFor("example.com", [{ group: "example.com", install: "helm install widgets" }])).toBe("helm install widgets");
  });
  test("kubeconfig contents vs path", () => {
    expect(looksLikeKubeconfigContents("apiVersion: v1\nkind: Config")).toBe(true);
    expect(looksLikeKubeconfigContents('{"apiVersion":"v1"}')).toBe(true);
    expect(looksLikeKubeconfigContents("/home/me/.kube/config")).toBe(false);
    expect(looksLikeKubeconfigContents("~/kube.yaml")).toBe(false);
  });
  test("label selectors are stable", () => {
    expect(labelSelector({ "pulumi-datum.io/source-name": "shop", "pulumi-datum.io/source-kind": "HTTPProxy" })).toBe(
      "pulumi-datum.io/source-kind=HTTPProxy,pulumi-datum.io/source-name=shop",
    );
  });
  test("defaults", () => {
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBeGreaterThan(1);
  });
});
