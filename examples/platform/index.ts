// A platform team's program: @pulumi/kubernetes lays the cluster ground, datum resources go on top.
//
//   Namespace <namespace>
//   EnvoyProxy <namespace>/platform-edge    one merged Envoy fleet, listening on the listener ports
//   GatewayClass platform-edge              Envoy Gateway's controller, parameters: that EnvoyProxy
//   ClusterIssuer platform-selfsigned       signs the CA certificate below
//   Certificate <certManagerNamespace>/platform-ca (isCA) → ClusterIssuer platform-ca (CA issuer)
//   Secret <namespace>/edge-users           htpasswd of basicAuthUser (a Pulumi secret)
//   datum HTTPProxy edge                    on GatewayClass platform-edge, certificates from platform-ca
//   datum SecurityPolicy edge-auth          basic auth with the users in edge-users
//
// Its own GatewayClass leaves the cluster's other classes (and their Envoys) alone. The datum
// provider's settings come from the ground's outputs (class, issuer, namespace), so its resources
// wait for them; `dependsOn` adds what no input carries (the Secret the policy reads by name).
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as datum from "@pulumi-datum/datum";

const config = new pulumi.Config();
const namespaceName = config.get("namespace") ?? "platform";
const backend = config.get("backend") ?? "https://www.example.net";
const user = config.get("basicAuthUser") ?? "ops";
const password = config.requireSecret("basicAuthPassword");
const certManagerNamespace = config.get("certManagerNamespace") ?? "cert-manager";

// ONE kubeconfig for both providers: a secret Output (here from stack config; from a cluster
// resource's or a StackReference's output in a real platform), flowing into both as an input.
const kubeconfig: pulumi.Output<string> | undefined = config.getSecret("kubeconfig");
const cluster = new k8s.Provider("cluster", { kubeconfig });

// kubectl's default propagation: a delete returns when the object is gone and its dependents are
// collected afterwards (pulumi-kubernetes' default, Foreground, waits for the garbage collector).
const background = { "pulumi.com/deletionPropagationPolicy": "background" };
/** pulumi-kubernetes waits for these conditions before dependents are created. */
const waitFor = (condition: string) => ({ ...background, "pulumi.com/waitFor": `condition=${condition}` });

const ns = new k8s.core.v1.Namespace("platform", {
  metadata: { name: namespaceName, annotations: background },
}, { provider: cluster });

const envoyProxy = new k8s.apiextensions.CustomResource("platform-edge", {
  apiVersion: "gateway.envoyproxy.io/v1alpha1",
  kind: "EnvoyProxy",
  metadata: { name: "platform-edge", namespace: ns.metadata.name, annotations: background },
  spec: {
    // Every Gateway of the class shares one Envoy fleet (one load-balancer address), and Envoy
    // listens on the listener ports themselves (80, 443).
    mergeGateways: true,
    provider: { type: "Kubernetes", kubernetes: { useListenerPortAsContainerPort: true } },
  },
}, { provider: cluster });

const gatewayClass = new k8s.apiextensions.CustomResource("platform-edge", {
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "GatewayClass",
  metadata: { name: "platform-edge", annotations: waitFor("Accepted") },
  spec: {
    controllerName: "gateway.envoyproxy.io/gatewayclass-controller",
    parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: envoyProxy.metadata.name, namespace: ns.metadata.name },
  },
}, { provider: cluster });

// A private CA: a self-signed issuer signs the CA certificate, the CA issuer signs the listeners'.
const selfSigned = new k8s.apiextensions.CustomResource("platform-selfsigned", {
  apiVersion: "cert-manager.io/v1",
  kind: "ClusterIssuer",
  metadata: { name: "platform-selfsigned", annotations: waitFor("Ready") },
  spec: { selfSigned: {} },
}, { provider: cluster });

const caCertificate = new k8s.apiextensions.CustomResource("platform-ca", {
  apiVersion: "cert-manager.io/v1",
  kind: "Certificate",
  metadata: { name: "platform-ca", namespace: certManagerNamespace, annotations: waitFor("Ready") },
  spec: {
    isCA: true,
    commonName: "platform edge CA",
    secretName: "platform-ca",
    privateKey: { algorithm: "ECDSA", size: 256 },
    issuerRef: { kind: "ClusterIssuer", name: selfSigned.metadata.name },
  },
}, { provider: cluster });

const caIssuer = new k8s.apiextensions.CustomResource("platform-ca", {
  apiVersion: "cert-manager.io/v1",
  kind: "ClusterIssuer",
  metadata: { name: "platform-ca", annotations: waitFor("Ready") },
  spec: { ca: { secretName: "platform-ca" } },
}, { provider: cluster, dependsOn: [caCertificate] });

// Envoy's basic auth reads an htpasswd file: `<user>:{SHA}<base64 of SHA-1 of the password>`.
const htpasswd = password.apply((p) => `${user}:{SHA}${createHash("sha1").update(p).digest("base64")}\n`);
const users = new k8s.core.v1.Secret("edge-users", {
  metadata: { name: "edge-users", namespace: ns.metadata.name, annotations: background },
  stringData: { ".htpasswd": htpasswd },
}, { provider: cluster });

const edge = new datum.Provider("edge", {
  kubeconfig,
  namespace: ns.metadata.name,
  gatewayClassName: gatewayClass.metadata.name,
  clusterIssuer: caIssuer.metadata.name,
  timeoutSeconds: config.getNumber("timeoutSeconds") ?? 300,
});

const proxy = new datum.networking.HTTPProxy("edge", {
  metadata: { name: "edge" },
  spec: { rules: [{ name: "app", backends: [{ endpoint: backend }] }] },
}, { provider: edge, dependsOn: [gatewayClass, caIssuer] });

const auth = new datum.policy.SecurityPolicy("edge-auth", {
  metadata: { name: "edge-auth" },
  spec: {
    targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "edge" }],
    basicAuth: { users: { name: users.metadata.name } },
  },
}, { provider: edge, dependsOn: [proxy, users] });

export const namespace = ns.metadata.name;
export const gatewayClassName = gatewayClass.metadata.name;
export const clusterIssuer = caIssuer.metadata.name;
/** The proxy answers on this hostname (HTTP and HTTPS, its certificate from platform-ca). */
export const canonicalHostname = proxy.canonicalHostname;
export const ready = pulumi.all([proxy.ready, auth.ready]).apply((r) => r.every(Boolean));
export const readiness = { proxy: proxy.readiness, auth: auth.readiness };
