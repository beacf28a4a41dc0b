export * from "./resolver";
export * from "./http-get";
export * from "./verify-domain";
export * from "./wait-verification";
export * from "./gateway-target";
export * from "./dns-readiness";
export * from "./domain-verification";
