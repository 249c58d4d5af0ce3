package configs_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/config"
)

type k8sDoc struct {
	Kind string            `yaml:"kind"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Replicas int `yaml:"replicas"`
		Template struct {
			Spec struct {
				Grace          int         `yaml:"terminationGracePeriodSeconds"`
				InitContainers []container `yaml:"initContainers"`
				Containers     []container `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type container struct {
	Args []string `yaml:"args"`
}

// TestKubernetesExample keeps configs/kubernetes/leadsync.yaml true: its config and
// mapping pass validate, the state is in PostgreSQL (replicas cannot share a SQLite
// file), the secrets it needs are the ones its header tells to create, the pods get
// longer than shutdown_grace to stop, and the containers run leadsync's commands.
func TestKubernetesExample(t *testing.T) {
	raw, err := os.ReadFile("kubernetes/leadsync.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docs := decodeAll(t, raw)
	if len(docs["ConfigMap"].Data) == 0 || docs["Deployment"].Kind == "" {
		t.Fatalf("want a ConfigMap with data and a Deployment, got %v", docs)
	}
	dir := t.TempDir()
	for name, body := range docs["ConfigMap"].Data {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	secrets := map[string]string{}
	for _, m := range regexp.MustCompile(`--from-literal=([A-Z_]+)=`).FindAllSubmatch(raw, -1) {
		secrets[string(m[1])] = "x"
	}
	environ := []string{}
	getenv := func(k string) string { return secrets[k] }
	cfg, err := config.Load(filepath.Join(dir, "leadsync.yaml"), environ)
	if err != nil {
		t.Fatalf("the example's config does not load: %v", err)
	}
	if _, err := connector.Check(cfg, getenv); err != nil {
		t.Fatalf("the example's config does not validate: %v", err)
	}
	if errs := cfg.CheckSecrets(getenv); len(errs) > 0 {
		t.Fatalf("a secret the config needs is not in the header's Secret: %v", errs)
	}
	if !cfg.State.Postgres() {
		t.Fatal("replicas need state.url (PostgreSQL); the example keeps its state in a file")
	}
	dep := docs["Deployment"].Spec
	if dep.Replicas < 2 {
		t.Fatalf("replicas = %d: the example is about several", dep.Replicas)
	}
	grace := time.Duration(dep.Template.Spec.Grace) * time.Second
	if grace <= cfg.ShutdownGrace {
		t.Fatalf("terminationGracePeriodSeconds %v must outlast shutdown_grace %v", grace, cfg.ShutdownGrace)
	}
	commands := map[string]bool{}
	for _, c := range append(dep.Template.Spec.InitContainers, dep.Template.Spec.Containers...) {
		if len(c.Args) < 3 || c.Args[1] != "-c" || c.Args[2] != "/config/leadsync.yaml" {
			t.Fatalf("container args %q: want COMMAND -c /config/leadsync.yaml", c.Args)
		}
		commands[c.Args[0]] = true
	}
	if !commands["run"] || !commands["migrate"] {
		t.Fatalf("want a migrate init container and a run container, got %v", commands)
	}
}

func decodeAll(t *testing.T, raw []byte) map[string]k8sDoc {
	t.Helper()
	docs := map[string]k8sDoc{}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for {
		var d k8sDoc
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(d.Kind) != "" {
			docs[d.Kind] = d
		}
	}
}
