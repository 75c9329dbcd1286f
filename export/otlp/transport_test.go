package otlp_test

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/export/internal/exporttest"
	"github.com/llmtest/llmtest/export/otlp"
	"github.com/llmtest/llmtest/internal/leaktest"
	"github.com/llmtest/llmtest/reporters"
)

// TestExportLeavesNoConnection checks that an export closes its
// connection: no goroutine of a kept-alive connection (the client's read
// and write loops, the receiver's connection) nor descriptor is left
// once Export has returned.
func TestExportLeavesNoConnection(t *testing.T) {
	rcv := startReceiver(t)
	res := exporttest.Run(t)
	base := leaktest.Baseline(t)
	require.NoError(t, (&otlp.Exporter{Endpoint: rcv.URL}).Export(t.Context(), &res.Run))
	leaktest.Settle(t, base)
	ms, _ := rcv.metrics(t)
	assert.Contains(t, ms, "llmtest.requests")
}

// TestExportTrustsTheEnvironmentsCertificate exports over TLS to a
// receiver whose certificate only OTEL_EXPORTER_OTLP_CERTIFICATE names,
// as the SDK's own transport would.
func TestExportTrustsTheEnvironmentsCertificate(t *testing.T) {
	rcv := startTLSReceiver(t)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rcv.Certificate().Raw}), 0o600))
	run := &reporters.Run{Name: "tls"}

	t.Setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", "")
	err := (&otlp.Exporter{Endpoint: rcv.URL}).Export(t.Context(), run)
	require.Error(t, err, "the receiver's certificate is not trusted without the variable")

	t.Setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", caFile)
	require.NoError(t, (&otlp.Exporter{Endpoint: rcv.URL}).Export(t.Context(), run))
	ms, _ := rcv.metrics(t)
	assert.Contains(t, ms, "llmtest.requests")

	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", filepath.Join(dir, "missing.pem"))
	err = (&otlp.Exporter{Endpoint: rcv.URL}).Export(t.Context(), run)
	assert.ErrorContains(t, err, "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE")
	assert.ErrorContains(t, err, "missing.pem")

	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", "")
	t.Setenv("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", caFile)
	err = (&otlp.Exporter{Endpoint: rcv.URL}).Export(t.Context(), run)
	assert.ErrorContains(t, err, "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE is set without OTEL_EXPORTER_OTLP_CLIENT_KEY")
}
