import type { GuardrailConfig } from "./config";
import "./guardrails";
import type { HTTPProxy } from "./models/httpproxy";
import { renderHTTPProxy } from "./render/httpproxy";
import { httpProxyLimitErrors } from "./render/limits";
import { DEFAULT_RENDER_SETTINGS } from "./render/settings";
import { containsUnknown } from "./unknown";
import { admit, type AdmissionResult, type Operation } from "./validation/pipeline";
import { isObj } from "./json";

export type { AdmissionResult, FieldWarning, Operation } from "./validation/pipeline";
export { supportedKinds } from "./validation/pipeline";

export interface ValidateOptions {
  config?: GuardrailConfig;
  operation?: Operation;
  oldObject?: unknown;
  existing?: readonly unknown[];
}

/** Validates one object the way NSO admits it (its verdict, exactly). Never throws, whatever the input. */
export function validate(object: unknown, opts: ValidateOptions = {}): AdmissionResult {
  return admit({ object, ...opts });
}

/**
 * NSO's verdict, then — for an admitted HTTPProxy — whether what it renders to can be programmed
 * at all: a proxy NSO admits but the API server then refuses in the generated HTTPRoute is invalid
 * here, so `validate` and preview fail where `up` would. Never throws, whatever the input.
 */
export function validateForApply(object: unknown, opts: ValidateOptions = {}): AdmissionResult {
  const result = validate(object, opts);
  if (!result.valid || opts.operation === "DELETE" || !isObj(result.object) || result.object["kind"] !== "HTTPProxy" || containsUnknown(result.object)) return result;
  const errors = httpProxyLimitErrors(renderHTTPProxy(result.object as unknown as HTTPProxy, DEFAULT_RENDER_SETTINGS, {}));
  return errors.length ? { ...result, valid: false, errors } : result;
}
