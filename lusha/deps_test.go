package lusha_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// The Lusha client shares only the error taxonomy with the CRM side: importing the
// CRM domain would tie an enrichment client to CRM records it never sees.
func TestImportsNoCRMPackage(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", "-json=ImportPath", ".", "./lushatest").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/leadsync/leadsync/"
	allowed := func(p string) bool {
		return p == module+"crm/upstream" || p == module+"lusha" || strings.HasPrefix(p, module+"lusha/")
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var pkg struct{ ImportPath string }
		if err := dec.Decode(&pkg); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list answer: %v", err)
		}
		if strings.HasPrefix(pkg.ImportPath, module) && !allowed(pkg.ImportPath) {
			t.Errorf("lusha depends on %s; only crm/upstream of ours is allowed", pkg.ImportPath)
		}
	}
}
