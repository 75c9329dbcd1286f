package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/llmtest/llmtest/endpoints/sim"
)

// defaultSimAddr is where `llmtest sim` listens without --addr.
const defaultSimAddr = "127.0.0.1:8000"

// simOptions are the flags of `llmtest sim`.
type simOptions struct {
	sim    simFlags
	addr   string
	model  string
	apiKey string
}

// newSimCommand returns `llmtest sim`.
func newSimCommand(stdout, stderr io.Writer) *cobra.Command {
	var o simOptions
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "serve the simulated LLM on a loopback address",
		Long: `Serves the simulated LLM (OpenAI chat and completions, Anthropic messages)
on a loopback address until interrupted.`,
		Args:              noArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(c *cobra.Command, _ []string) error {
			return status(o.serve(c.Context(), stdout, stderr))
		},
	}
	g := newFlagGroups(cmd)
	server := g.add("Server")
	server.StringVar(&o.addr, "addr", defaultSimAddr, "loopback address to listen on")
	server.StringVar(&o.model, "model", sim.DefaultModel, "model name the simulator reports")
	server.StringVar(&o.apiKey, "api-key", "", "require this API key (Bearer or x-api-key); empty: no authentication")
	o.sim.register(g.add("Simulator"), "")
	g.install()
	return cmd
}

// serve serves the simulator until ctx is done and returns the exit
// status.
func (o *simOptions) serve(ctx context.Context, stdout, stderr io.Writer) int {
	s, addr, model, apiKey := &o.sim, o.addr, o.model, o.apiKey
	cfg := s.config()
	cfg.Model = model
	srvCfg := sim.ServerConfig{Config: cfg, APIKey: apiKey}
	if err := srvCfg.Validate(); err != nil {
		printError(stderr, "llmtest sim", simFlagError(err, ""))
		return exitUsage
	}
	srv, err := sim.Listen(addr, srvCfg)
	if err != nil {
		msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "sim: Listen: "), "sim: ")
		fmt.Fprintf(stderr, "llmtest sim: --addr: %s\n", msg)
		return exitUsage
	}
	fmt.Fprintf(stdout, "llmtest sim: serving %s at %s/v1 (Ctrl-C to stop)\n", cfg.Model, srv.URL)
	<-ctx.Done()
	srv.Close()
	fmt.Fprintln(stdout, "llmtest sim: stopped")
	return exitOK
}
