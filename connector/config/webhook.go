package config

import (
	"net"
	"net/url"
	"time"
)

// Webhook is Lusha's webhook receiver: signals and opt-outs POSTed to
// /webhooks/lusha on a listener of its own, so that the status page can stay on
// loopback while the receiver sits behind a public reverse proxy. It is off
// unless Listen is set.
type Webhook struct {
	Listen string `koanf:"listen"` // host:port of the receiver's own listener
	// PublicURL is where Lusha reaches the receiver (the reverse proxy's HTTPS URL):
	// the URL leadsync subscribes with.
	PublicURL string `koanf:"public_url"`
	// Secret is the account's webhook secret (GET /api/account/secret), the key
	// of every delivery's signature.
	Secret SecretRef `koanf:"secret"`
	// Tolerance is how far a delivery's timestamp may be from now (Lusha documents
	// none; 5 minutes is ours). Replays within it are refused by signature.
	Tolerance time.Duration `koanf:"tolerance"`
}

// OptOut is what an opt-out does in the CRM, on the person's records, before the
// person is erased from the state: nothing unless set.
type OptOut struct {
	// ClearOwnedFields empties each field leadsync wrote whose value is still the
	// one it wrote (a value a human changed since is left alone).
	ClearOwnedFields bool `koanf:"clear_owned_fields"`
	// Marker, when Field is set, is a do-not-enrich flag written on every record.
	Marker Marker `koanf:"marker"`
}

// Marker is one field and the value that marks a record.
type Marker struct {
	Field string `koanf:"field"`
	Value string `koanf:"value"`
}

// Acts tells whether an opt-out writes to the CRM.
func (o OptOut) Acts() bool { return o.ClearOwnedFields || o.Marker.Field != "" }

// Enabled tells whether the daemon runs the webhook receiver.
func (w Webhook) Enabled() bool { return w.Listen != "" }

// checkWebhook reports what is wrong with lusha.webhook and lusha.opt_out_webhook.
func (c *Config) checkWebhook(bad func(msg string, path ...string)) {
	w := c.Lusha.Webhook
	at := func(key string) []string { return []string{"lusha", "webhook", key} }
	if !w.Enabled() {
		if w.PublicURL != "" || w.Secret != "" {
			bad("the receiver is off without listen: set listen (host:port) to turn it on", at("listen")...)
		}
		if c.Lusha.OptOutWebhook {
			bad("opt-outs arrive through the webhook receiver: set lusha.webhook.listen", "lusha", "opt_out_webhook")
		}
		if c.Lusha.OptOut.Acts() {
			bad("opt-outs arrive through the webhook receiver: set lusha.webhook.listen", "lusha", "opt_out")
		}
		return
	}
	if _, port, err := net.SplitHostPort(w.Listen); err != nil {
		bad("must be host:port (e.g. 127.0.0.1:8090)", at("listen")...)
	} else if w.Listen == c.HTTP.Listen && port != "0" { // port 0: each listener gets its own
		bad("must differ from http.listen: the receiver is a listener of its own", at("listen")...)
	}
	if u, err := url.Parse(w.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		bad("must be the absolute URL Lusha posts to (https://…/webhooks/lusha)", at("public_url")...)
	}
	if w.Secret == "" {
		bad("is required, as ${env:NAME} or ${file:PATH}", at("secret")...)
	}
	if w.Tolerance <= 0 || w.Tolerance > time.Hour {
		bad("must be positive and at most 1h", at("tolerance")...)
	}
	if m := c.Lusha.OptOut.Marker; (m.Field == "") != (m.Value == "") {
		bad("a marker needs both field and value", "lusha", "opt_out", "marker")
	}
}
