package otlp

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
)

// newTransport returns a transport of the export's own, a clone of
// http.DefaultTransport (proxies from the environment), so that its
// kept-alive connection can be closed once the export is over: the SDK's
// default transport is shared and keeps its idle connections, and their
// goroutines, for 90 seconds. Since the SDK then ignores the
// environment's certificates, they are read here as it reads them:
// OTEL_EXPORTER_OTLP_CERTIFICATE (a PEM file of the receiver's root
// certificates) and OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE with
// OTEL_EXPORTER_OTLP_CLIENT_KEY (PEM files of the client's certificate and
// key), each overridden by its OTEL_EXPORTER_OTLP_METRICS_ form. An
// error names the variable and its file.
func newTransport() (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	var cfg tls.Config
	if name, path := env("CERTIFICATE"); path != "" {
		pem, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("otlp: %s: %w", name, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("otlp: %s: no PEM certificate in %s", name, path)
		}
		cfg.RootCAs = pool
	}
	certName, cert := env("CLIENT_CERTIFICATE")
	keyName, key := env("CLIENT_KEY")
	switch {
	case cert != "" && key != "":
		c, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("otlp: %s and %s: %w", certName, keyName, err)
		}
		cfg.Certificates = []tls.Certificate{c}
	case cert != "":
		return nil, fmt.Errorf("otlp: %s is set without %s", certName, keyName)
	case key != "":
		return nil, fmt.Errorf("otlp: %s is set without %s", keyName, certName)
	}
	if cfg.RootCAs != nil || cfg.Certificates != nil {
		t.TLSClientConfig = &cfg
	}
	return t, nil
}

// env returns the variable OTEL_EXPORTER_OTLP_METRICS_<suffix>, if set,
// else OTEL_EXPORTER_OTLP_<suffix>, and its value.
func env(suffix string) (name, value string) {
	for _, name := range []string{"OTEL_EXPORTER_OTLP_METRICS_" + suffix, "OTEL_EXPORTER_OTLP_" + suffix} {
		if v := os.Getenv(name); v != "" {
			return name, v
		}
	}
	return "OTEL_EXPORTER_OTLP_" + suffix, ""
}
