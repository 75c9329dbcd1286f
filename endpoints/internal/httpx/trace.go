package httpx

import (
	"context"
	"net/http/httptrace"

	"github.com/llmtest/llmtest/endpoints"
)

// Trace returns ctx carrying a trace of the HTTP requests a client sends
// with it — an SDK's, such as the AWS SDK's, which builds its requests
// from the context it is given — and report, which hands rec the trace of
// the last attempt (when rec is an endpoints.ConnTracer). Each attempt
// starts the trace afresh, so that report describes the attempt whose
// response the SDK returned, after its own retries. Call report once the
// SDK returned, from the goroutine that owns rec. When rec keeps no
// trace, ctx is returned as it is and report does nothing.
func Trace(ctx context.Context, rec endpoints.Recorder) (_ context.Context, report func()) {
	tracer, ok := rec.(endpoints.ConnTracer)
	if !ok {
		return ctx, func() {}
	}
	a := makeAttempt()
	a.trace.GetConn = func(string) { a.reset() }
	return httptrace.WithClientTrace(ctx, &a.trace), func() { tracer.ConnTrace(a.connTrace()) }
}
