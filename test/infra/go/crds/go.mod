// Not a build module: pins (via go.sum) the modules whose CRD YAML test/infra/build-tools.sh
// copies out of the Go module cache. Do not run `go mod tidy` here (it would drop the requires,
// since no package is imported).
module datum.test/infra/crds

go 1.25.0

require (
	github.com/cert-manager/cert-manager v1.21.2
	github.com/envoyproxy/gateway v1.8.1
	sigs.k8s.io/external-dns v0.20.0
	sigs.k8s.io/gateway-api v1.5.1
)
