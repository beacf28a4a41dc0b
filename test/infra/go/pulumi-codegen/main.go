// pulumi-codegen generates SDKs from a Pulumi package schema with Pulumi's own generators
// (github.com/pulumi/pulumi/pkg/v3/codegen/{nodejs,python,go}), the code that `pulumi package
// gen-sdk` reaches through the language plugins — which are not available here.
//
//	pulumi-codegen -schema schema.json -out sdk python go
//
// writes <out>/<language>/ for each language, after removing what was there (like gen-sdk), so a
// file the schema no longer produces disappears. The schema must be self-contained: a reference
// to another package's schema is an error (there is no plugin host to load it from).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "pulumi-codegen"

// noExternalPackages is the schema loader: every type of the schema is its own.
type noExternalPackages struct{}

var errExternal = errors.New("the schema refers to another package; pulumi-codegen generates self-contained schemas only")

func (noExternalPackages) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errExternal
}

func (noExternalPackages) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errExternal
}

func (noExternalPackages) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errExternal
}

func (noExternalPackages) LoadPackageReferenceV2(context.Context, *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, errExternal
}

type generator func(pkg *schema.Package, loader schema.ReferenceLoader) (map[string][]byte, error)

var generators = map[string]generator{
	"nodejs": func(pkg *schema.Package, loader schema.ReferenceLoader) (map[string][]byte, error) {
		return nodejs.GeneratePackage(tool, pkg, nil, nil, false, loader)
	},
	"python": func(pkg *schema.Package, loader schema.ReferenceLoader) (map[string][]byte, error) {
		files, err := python.GeneratePackage(tool, pkg, nil, loader)
		if err != nil {
			return nil, err
		}
		return withProjectReadme(files)
	},
	"go": func(pkg *schema.Package, _ schema.ReferenceLoader) (map[string][]byte, error) {
		return gogen.GeneratePackage(tool, pkg, nil)
	},
}

// withProjectReadme adds README.md beside pyproject.toml, which names it as the project's readme:
// the generator writes the README only into the package directory (providers copy one in before
// building), and without it `pip install sdk/python` fails.
func withProjectReadme(files map[string][]byte) (map[string][]byte, error) {
	for name := range files {
		if path.Base(name) == "pulumi-plugin.json" && path.Dir(path.Dir(name)) == "." {
			readme, ok := files[path.Join(path.Dir(name), "README.md")]
			if !ok {
				return nil, fmt.Errorf("python: no README.md beside %s", name)
			}
			files["README.md"] = readme
			return files, nil
		}
	}
	return nil, errors.New("python: the generator wrote no package directory with pulumi-plugin.json")
}

// bind validates the schema as the language plugins do. Each language binds afresh: the
// generators record their language info in the package.
func bind(spec []byte, loader schema.ReferenceLoader) (*schema.Package, error) {
	var ps schema.PackageSpec
	if err := json.Unmarshal(spec, &ps); err != nil {
		return nil, fmt.Errorf("parse schema: %w", err)
	}
	pkg, diags, err := schema.BindSpec(ps, loader, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, diags
	}
	for _, d := range diags {
		fmt.Fprintf(os.Stderr, "warning: %s\n", d.Error())
	}
	return pkg, nil
}

func writeTree(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

func run() error {
	schemaPath := flag.String("schema", "schema.json", "package schema")
	out := flag.String("out", "sdk", "directory that receives <language>/")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: %s [-schema schema.json] [-out sdk] <nodejs|python|go>...\n", tool)
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		return errors.New("name at least one language")
	}
	spec, err := os.ReadFile(*schemaPath)
	if err != nil {
		return err
	}
	loader := noExternalPackages{}
	for _, lang := range flag.Args() {
		gen, ok := generators[lang]
		if !ok {
			return fmt.Errorf("unknown language %q (known: go, nodejs, python)", lang)
		}
		pkg, err := bind(spec, loader)
		if err != nil {
			return fmt.Errorf("%s: %w", *schemaPath, err)
		}
		files, err := gen(pkg, loader)
		if err != nil {
			return fmt.Errorf("generate %s: %w", lang, err)
		}
		dir := filepath.Join(*out, lang)
		if err := writeTree(dir, files); err != nil {
			return err
		}
		fmt.Printf("wrote %d files under %s\n", len(files), dir)
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", tool, err)
		os.Exit(1)
	}
}
