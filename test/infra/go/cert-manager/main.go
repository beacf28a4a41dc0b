// cert-manager-controller: starts the upstream cert-manager controllers from
// github.com/cert-manager/cert-manager/pkg/controller against a kube-apiserver given by a
// kubeconfig. The upstream binary lives in a module the proxy does not serve, so this is our own
// small main over the controller registry (controller.Known) and controller.NewContextFactory.
//
// Deliberately absent: leader election (one process per control plane), the webhook (the CRD
// schemas still validate), the metrics/health/pprof servers (no listening sockets at all), and
// every controller the tests do not need (CA, self-signed, Vault, Venafi, shims, CSR signers).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/klog/v2"

	controllerpkg "github.com/cert-manager/cert-manager/pkg/controller"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	"github.com/cert-manager/cert-manager/pkg/util"

	// Each import registers its controller(s) with controllerpkg in init().
	_ "github.com/cert-manager/cert-manager/pkg/controller/acmechallenges"
	_ "github.com/cert-manager/cert-manager/pkg/controller/acmeorders"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/acme"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	_ "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	// Issuer types the issuers/clusterissuers controllers can set up (registered in init()).
	_ "github.com/cert-manager/cert-manager/pkg/issuer/acme"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

// defaultControllers is what the tests need: Certificates end to end through an ACME
// (Cluster)Issuer, or through a CA ClusterIssuer whose root is itself issued by a SelfSigned one
// (suites that only need a real issuance, without pebble and DNS). The approver is included because signers wait for the Approved condition,
// which nothing else sets without it.
var defaultControllers = []string{
	"issuers", "clusterissuers",
	"certificates-trigger", "certificates-issuing", "certificates-key-manager",
	"certificates-request-manager", "certificates-readiness", "certificates-revision-manager",
	"certificaterequests-approver", "certificaterequests-issuer-acme",
	"certificaterequests-issuer-ca", "certificaterequests-issuer-selfsigned",
	"orders", "challenges",
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "cert-manager-controller: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	fs := flag.NewFlagSet("cert-manager-controller", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the API server (default $KUBECONFIG)")
	controllers := fs.String("controllers", strings.Join(defaultControllers, ","), "comma-separated controllers to run")
	namespace := fs.String("namespace", "", "only watch this namespace (default: all)")
	clusterResourceNamespace := fs.String("cluster-resource-namespace", "cert-manager",
		"namespace of the Secrets a ClusterIssuer refers to (ACME account keys, TSIG secrets)")
	nameservers := fs.String("dns01-recursive-nameservers", "", "comma-separated host:port used for the DNS-01 self-check")
	nameserversOnly := fs.Bool("dns01-recursive-nameservers-only", false,
		"check DNS-01 propagation only against --dns01-recursive-nameservers (not the zone's authoritative servers)")
	checkRetry := fs.Duration("dns01-check-retry-period", 10*time.Second, "wait between DNS-01 propagation checks")
	workers := fs.Int("concurrent-workers", 5, "workers per controller")
	version := fs.Bool("version", false, "print the cert-manager version and exit")
	klogFlags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(klogFlags)
	fs.Var(klogFlags.Lookup("v").Value, "v", "log verbosity")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	if *version {
		fmt.Println(util.AppVersion)
		return nil
	}
	if *kubeconfig == "" {
		return errors.New("--kubeconfig (or $KUBECONFIG) is required")
	}
	names, err := selectControllers(*controllers)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ctx = logf.NewContext(ctx, logf.Log)

	opts := controllerpkg.ContextOptions{
		Kubeconfig:         *kubeconfig,
		KubernetesAPIQPS:   20,
		KubernetesAPIBurst: 50,
		Namespace:          *namespace,
		IssuerOptions: controllerpkg.IssuerOptions{
			ClusterResourceNamespace: *clusterResourceNamespace,
		},
		ACMEOptions: controllerpkg.ACMEOptions{
			// HTTP-01 solver pods need a kubelet; the values only satisfy the option parsing.
			HTTP01SolverResourceRequestCPU:    resource.MustParse("10m"),
			HTTP01SolverResourceRequestMemory: resource.MustParse("64Mi"),
			HTTP01SolverResourceLimitsCPU:     resource.MustParse("100m"),
			HTTP01SolverResourceLimitsMemory:  resource.MustParse("64Mi"),
			DNS01Nameservers:                  splitList(*nameservers),
			DNS01CheckAuthoritative:           !*nameserversOnly,
			DNS01CheckRetryPeriod:             *checkRetry,
		},
		CertificateOptions: controllerpkg.CertificateOptions{
			CertificateRequestMinimumBackoffDuration: time.Hour,
			CertificateRequestMaximumBackoffDuration: 32 * time.Hour,
		},
		SchedulerOptions: controllerpkg.SchedulerOptions{MaxConcurrentChallenges: 60},
	}
	factory, err := controllerpkg.NewContextFactory(ctx, opts)
	if err != nil {
		return err
	}
	var loops []namedLoop
	for _, name := range names {
		iface, err := controllerpkg.Known()[name](factory)
		if err != nil {
			return fmt.Errorf("constructing controller %s: %w", name, err)
		}
		loops = append(loops, namedLoop{name, iface})
	}

	// The informer factories are shared by every Context the factory builds; start them once,
	// after every controller has registered its informers.
	shared, err := factory.Build()
	if err != nil {
		return err
	}
	shared.KubeSharedInformerFactory.Start(ctx.Done())
	shared.SharedInformerFactory.Start(ctx.Done())
	shared.HTTP01ResourceMetadataInformersFactory.Start(ctx.Done())

	var wg sync.WaitGroup
	errs := make(chan error, len(loops))
	for _, l := range loops {
		wg.Go(func() {
			if err := l.iface.Run(*workers, ctx); err != nil {
				errs <- fmt.Errorf("controller %s: %w", l.name, err)
			}
		})
	}
	// The harness waits for this line (caches synced, controllers running).
	shared.KubeSharedInformerFactory.WaitForCacheSync(ctx.Done())
	shared.SharedInformerFactory.WaitForCacheSync(ctx.Done())
	if ctx.Err() == nil {
		fmt.Printf("cert-manager-controller %s running: %s\n", util.AppVersion, strings.Join(names, ","))
	}
	wg.Wait()
	close(errs)
	var all []error
	for e := range errs {
		all = append(all, e)
	}
	return errors.Join(all...)
}

type namedLoop struct {
	name  string
	iface controllerpkg.Interface
}

func selectControllers(list string) ([]string, error) {
	names := splitList(list)
	if len(names) == 0 {
		return nil, errors.New("--controllers is empty")
	}
	for _, n := range names {
		if _, ok := controllerpkg.Known()[n]; !ok {
			known := make([]string, 0, len(controllerpkg.Known()))
			for k := range controllerpkg.Known() {
				known = append(known, k)
			}
			sort.Strings(known)
			return nil, fmt.Errorf("unknown controller %q (known: %s)", n, strings.Join(known, ", "))
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(names))), nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
