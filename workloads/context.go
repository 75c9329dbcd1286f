package workloads

import (
	"context"
	"fmt"
)

// stopped returns an error wrapping ctx.Err() when ctx is done, checked
// before the i-th (0-based) of what a workload builds: "request" or
// "prompt".
func stopped(ctx context.Context, what string, i int) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("workloads: stopped before %s %d: %w", what, i+1, err)
	}
	return nil
}
