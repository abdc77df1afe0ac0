package generator

import (
	"strings"
	"testing"
)

// TestGitConfigRefusesAtRunTime: Load refuses a gitConfig call that does not
// name an identity key; should one get past it, the function itself asks
// git nothing and fails.
func TestGitConfigRefusesAtRunTime(t *testing.T) {
	asked := false
	m := machineFunc(func(key string) string { asked = true; return "secret" })
	gitConfig := machineTable(func() Machine { return m })["gitConfig"].(func(string) (string, error))
	out, err := gitConfig("credential.helper")
	if err == nil || out != "" || asked || !strings.Contains(err.Error(), `gitConfig "credential.helper": templates may read only the git keys`) {
		t.Errorf("gitConfig(credential.helper) = %q, %v (git asked: %v); want it refused", out, err, asked)
	}
	if out, err := gitConfig("user.name"); err != nil || out != "secret" {
		t.Errorf("gitConfig(user.name) = %q, %v", out, err)
	}
}

type machineFunc func(key string) string

func (f machineFunc) GitConfig(key string) string { return f(key) }
func (machineFunc) GoVersion() string             { return "1.26" }
