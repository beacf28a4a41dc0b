//go:build tools

// Pins the language host's main package in go.mod (built by test/e2e/build-yaml-host.sh).
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
