import { registerKind } from "../validation/pipeline";
import { backendGuardrails } from "./backend";
import { backendTLSPolicyGuardrails } from "./backendtlspolicy";
import { backendTrafficPolicyGuardrails } from "./backendtrafficpolicy";
import { domainGuardrails } from "./domain";
import { gatewayGuardrails } from "./gateway";
import { grpcProxyGuardrails } from "./grpcproxy";
import { httpProxyGuardrails } from "./httpproxy";
import { httpRouteGuardrails } from "./httproute";
import { httpRouteFilterGuardrails } from "./httproutefilter";
import { securityPolicyGuardrails } from "./securitypolicy";
import { trafficProtectionPolicyGuardrails } from "./trafficprotectionpolicy";

/** Every kind the provider admits, registered once on import. */
export const ALL_GUARDRAILS = [
  httpProxyGuardrails,
  domainGuardrails,
  securityPolicyGuardrails,
  backendTrafficPolicyGuardrails,
  httpRouteFilterGuardrails,
  trafficProtectionPolicyGuardrails,
  gatewayGuardrails,
  httpRouteGuardrails,
  backendGuardrails,
  backendTLSPolicyGuardrails,
  grpcProxyGuardrails,
];

for (const g of ALL_GUARDRAILS) registerKind(g);
