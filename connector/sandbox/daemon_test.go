package sandbox_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/leadsync/leadsync/connector"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestDaemonServesAndShutsDown: the daemon answers /healthz, runs its pipelines on
// schedule, and returns once its context ends, leaving no goroutine behind.
func TestDaemonServesAndShutsDown(t *testing.T) {
	_, eng := start(t, 40)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	d := &connector.Daemon{Engine: eng, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ready: func(addr string) { ready <- addr }}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	addr := <-ready
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %s", resp.Status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("daemon did not stop")
	}
	http.DefaultClient.CloseIdleConnections()
}
