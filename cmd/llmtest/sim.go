package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/llmtest/llmtest/endpoints/sim"
)

// defaultSimAddr is where `llmtest sim` listens without --addr.
const defaultSimAddr = "127.0.0.1:8000"

func simCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var (
		s      simFlags
		addr   string
		model  string
		apiKey string
	)
	fs := flag.NewFlagSet("llmtest sim", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parseFlags reports errors; Usage writes the help
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: llmtest sim [flags]\n\nServes the simulated LLM (OpenAI chat and completions, Anthropic messages)\non a loopback address until interrupted.\n\nFlags:\n")
		printFlags(stderr, fs)
	}
	fs.StringVar(&addr, "addr", defaultSimAddr, "loopback address to listen on")
	fs.StringVar(&model, "model", sim.DefaultModel, "model name the simulator reports")
	fs.StringVar(&apiKey, "api-key", "", "require this API key (Bearer or x-api-key); empty: no authentication")
	s.register(fs, "")
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	cfg := s.config()
	cfg.Model = model
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "llmtest sim: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
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
