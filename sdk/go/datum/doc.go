// Datum-style HTTP edge proxies on Envoy Gateway: HTTPProxy, Domain and traffic policies, checked against Datum's admission rules at preview and applied as Gateway API / Envoy Gateway objects.
package datum
