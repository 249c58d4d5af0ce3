package lusha

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverPrinted(t *testing.T) {
	const raw = "whsec_0123456789abcdef"
	sub := Subscription{ID: "s1", Secret: Secret(raw)}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("rotated", "secret", sub.Secret)
	for _, s := range []string{fmt.Sprint(sub), fmt.Sprintf("%+v %#v %s", sub, sub, sub.Secret), logs.String()} {
		if strings.Contains(s, raw) {
			t.Errorf("secret printed: %s", s)
		}
	}
	if sub.Secret.Reveal() != raw {
		t.Error("Reveal lost the secret")
	}
	// It still travels as a plain JSON string, as Lusha sends it.
	var back struct{ Secret Secret }
	b, _ := json.Marshal(struct{ Secret Secret }{Secret(raw)})
	if err := json.Unmarshal(b, &back); err != nil || back.Secret.Reveal() != raw {
		t.Errorf("round trip: %s %v", b, err)
	}
}
