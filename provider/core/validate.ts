import type { GuardrailConfig } from "./config";
import "./guardrails";
import { admit, type AdmissionResult, type Operation } from "./validation/pipeline";

export type { AdmissionResult, FieldWarning, Operation } from "./validation/pipeline";
export { supportedKinds } from "./validation/pipeline";

export interface ValidateOptions {
  config?: GuardrailConfig;
  operation?: Operation;
  oldObject?: unknown;
  existing?: readonly unknown[];
}

/** Validates one object the way NSO admits it. Never throws, whatever the input. */
export function validate(object: unknown, opts: ValidateOptions = {}): AdmissionResult {
  return admit({ object, ...opts });
}
