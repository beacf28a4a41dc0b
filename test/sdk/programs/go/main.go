// A Go program on the generated SDK (sdk/go), run under Pulumi's in-process mocks.
//
// Prints, as JSON, what the SDK registered with the engine (type, name, inputs on the wire,
// provider reference) and the outputs it read back, for test/sdk/other-languages.test.ts, which
// builds it in a module that replaces the SDK's module path with sdk/go.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/pulumi-datum/pulumi-datum/sdk/go/datum"
	"github.com/pulumi-datum/pulumi-datum/sdk/go/datum/meta"
	"github.com/pulumi-datum/pulumi-datum/sdk/go/datum/networking"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

type registration struct {
	Type     string         `json:"type"`
	Name     string         `json:"name"`
	Inputs   map[string]any `json:"inputs"`
	Provider *string        `json:"provider"`
}

type mocks struct {
	mu         sync.Mutex
	registered []registration
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	// The inputs as they travel to the engine: secrets keep their signature.
	wire, err := plugin.MarshalProperties(args.Inputs, plugin.MarshalOptions{KeepSecrets: true, KeepUnknowns: true})
	if err != nil {
		return "", nil, err
	}
	r := registration{Type: args.TypeToken, Name: args.Name, Inputs: wire.AsMap()}
	if args.Provider != "" {
		r.Provider = &args.Provider
	}
	m.mu.Lock()
	m.registered = append(m.registered, r)
	m.mu.Unlock()
	state := args.Inputs.Copy()
	if args.TypeToken != "pulumi:providers:datum" {
		state["ready"] = resource.NewProperty(true)
		state["readiness"] = resource.NewProperty("ready")
		state["drift"] = resource.NewProperty([]resource.PropertyValue{})
		state["downstream"] = resource.NewProperty([]resource.PropertyValue{})
	}
	return "default/" + args.Name, state, nil
}

func (m *mocks) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

func main() {
	m := &mocks{}
	outputs := map[string]any{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		cluster, err := datum.NewProvider(ctx, "cluster-a", &datum.ProviderArgs{
			Kubeconfig:     pulumi.String("apiVersion: v1"),
			SkipAwait:      pulumi.Bool(true),
			TimeoutSeconds: pulumi.Int(30),
			Guardrails:     datum.GuardrailConfigArgs{Gateway: datum.GuardrailConfigGatewayArgs{TargetDomain: pulumi.String("a.dev")}},
		})
		if err != nil {
			return err
		}
		proxy, err := networking.NewHTTPProxy(ctx, "shop", &networking.HTTPProxyArgs{
			Metadata: meta.ObjectMetaArgs{Namespace: pulumi.String("edge"), Labels: pulumi.StringMap{"team": pulumi.String("web")}},
			Spec: networking.HTTPProxySpecArgs{
				Hostnames: pulumi.StringArray{pulumi.String("shop.example.com")},
				Rules: networking.HTTPProxyRuleArray{networking.HTTPProxyRuleArgs{
					Backends: networking.HTTPProxyRuleBackendArray{networking.HTTPProxyRuleBackendArgs{Endpoint: pulumi.String("https://api.example.com")}},
				}},
			},
		}, pulumi.Provider(cluster))
		if err != nil {
			return err
		}
		pulumi.All(proxy.Ready, proxy.Readiness, proxy.ID()).ApplyT(func(v []any) error {
			outputs["ready"], outputs["readiness"], outputs["id"] = v[0], v[1], v[2]
			return nil
		})
		return nil
	}, pulumi.WithMocks("proj", "test", m))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := json.Marshal(map[string]any{"registrations": m.registered, "outputs": outputs})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
