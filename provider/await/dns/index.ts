export * from "./resolver";
export * from "./http-get";
export * from "./domain-verification-attempt";
export * from "./domain-verification-wait";
export * from "./gateway-target";
export * from "./dns-readiness";
export * from "./domain-verification-run";
