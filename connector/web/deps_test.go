package web

import (
	"os/exec"
	"strings"
	"testing"
)

// The engine imports web and observe to wire them, so neither may import it back.
func TestDoesNotImportConnector(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".", "../observe").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "github.com/leadsync/leadsync/connector" {
			t.Errorf("connector/web or connector/observe imports %s", pkg)
		}
	}
}
