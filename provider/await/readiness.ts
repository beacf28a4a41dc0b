/**
 * The answer every readiness observer gives about one object's JSON. Observers are pure: the
 * same object always yields the same answer, so recorded status sequences can drive them.
 */

export type Readiness =
  | { readonly state: "ready"; readonly note?: string }
  /** `message` is short and stable (e.g. `Programmed=False (AddressNotAssigned)`); `detail` is the controller's text. */
  | { readonly state: "pending"; readonly message: string; readonly detail?: string }
  /** A terminal condition: waiting longer cannot help. The message quotes the controller. */
  | { readonly state: "failed"; readonly message: string };

export interface ObserveContext {
  /** Gateway controllers whose route parent / policy ancestor entries count (others are ignored). */
  readonly controllerNames: readonly string[];
  /** Failed issuance attempts after which a Certificate is a failure rather than pending. */
  readonly certificateFailureBudget: number;
}

export const ENVOY_GATEWAY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";
export const DATUM_GATEWAY_CONTROLLER = "gateway.networking.datumapis.com/external-global-proxy-controller";

export const DEFAULT_OBSERVE_CONTEXT: ObserveContext = {
  controllerNames: [ENVOY_GATEWAY_CONTROLLER, DATUM_GATEWAY_CONTROLLER],
  certificateFailureBudget: 1,
};

export type Observer = (obj: unknown, ctx: ObserveContext) => Readiness;

export const READY: Readiness = { state: "ready" };

export function pending(message: string, detail?: string): Readiness {
  return detail !== undefined && detail !== "" ? { state: "pending", message, detail } : { state: "pending", message };
}

export function failed(message: string): Readiness {
  return { state: "failed", message };
}

/** First non-ready answer, failures first: one terminal problem outranks any number of pending ones. */
export function combine(answers: readonly Readiness[]): Readiness {
  const f = answers.find((a) => a.state === "failed");
  if (f !== undefined) return f;
  return answers.find((a) => a.state === "pending") ?? READY;
}

/** Prefix a sub-object's answer, e.g. `listener "https": …`. */
export function within(prefix: string, r: Readiness): Readiness {
  if (r.state === "ready") return r;
  return r.state === "failed" ? failed(`${prefix}: ${r.message}`) : pending(`${prefix}: ${r.message}`, r.detail);
}
