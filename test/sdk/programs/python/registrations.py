"""A Python program on the generated SDK (sdk/python), run under Pulumi's in-process mocks.

Prints, as JSON, what the SDK registered with the engine (type, name, inputs on the wire,
provider reference) and the outputs it read back, for test/sdk/other-languages.test.ts.
"""
import json

import pulumi


class Mocks(pulumi.runtime.Mocks):
    def __init__(self):
        self.registered = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.registered.append({"type": args.typ, "name": args.name, "inputs": args.inputs, "provider": args.provider or None})
        state = dict(args.inputs)
        if not args.typ.startswith("pulumi:providers:"):
            state.update({"ready": True, "readiness": "ready", "drift": [], "downstream": []})
        return [f"default/{args.name}", state]

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


mocks = Mocks()
pulumi.runtime.set_mocks(mocks, project="proj", stack="test", preview=False)

import pulumi_datum as datum  # noqa: E402 — the SDK must be imported after the mocks are set

cluster = datum.Provider(
    "cluster-a",
    kubeconfig="apiVersion: v1",
    skip_await=True,
    timeout_seconds=30,
    guardrails=datum.GuardrailConfigArgs(gateway=datum.GuardrailConfigGatewayArgs(target_domain="a.dev")),
)
proxy = datum.networking.HTTPProxy(
    "shop",
    metadata=datum.meta.ObjectMetaArgs(namespace="edge", labels={"team": "web"}),
    spec=datum.networking.HTTPProxySpecArgs(
        hostnames=["shop.example.com"],
        rules=[datum.networking.HTTPProxyRuleArgs(backends=[datum.networking.HTTPProxyRuleBackendArgs(endpoint="https://api.example.com")])],
    ),
    opts=pulumi.ResourceOptions(provider=cluster),
)


@pulumi.runtime.test
def report():
    def emit(values):
        ready, readiness, id_ = values
        print(json.dumps({"registrations": mocks.registered, "outputs": {"ready": ready, "readiness": readiness, "id": id_}}))

    return pulumi.Output.all(proxy.ready, proxy.readiness, proxy.id).apply(emit)


report()
