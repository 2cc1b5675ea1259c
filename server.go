// Command mediagraph is a GraphQL server for a product catalog and its
// media: products, images and documents uploaded inside GraphQL mutations,
// checked by their content, stored under a media root and served under a
// media URL.
//
// server.go is the only reader of flags and environment: it fills
// app.Config, builds the server (package app), listens, and shuts down
// gracefully. `mediagraph migrate` applies pending migrations and exits;
// `mediagraph renditions` makes every missing variant of every image and
// exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"mediagraph/app"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		// A GraphQL response allocates many small objects that die with
		// it, and the live heap of this server is small (tens of MB):
		// collecting at 9× the live heap instead of 2× cuts the server's
		// CPU per list page by about a third for a few tens of MB more.
		// The soft memory limit makes the collector work harder before
		// the heap ever grows past 512 MiB. GOGC or GOMEMLIMIT set in the
		// environment leaves both to the runtime's reading of them.
		debug.SetGCPercent(800)
		debug.SetMemoryLimit(512 << 20)
	}
	args := os.Args[1:]
	command := ""
	if len(args) > 0 && (args[0] == "migrate" || args[0] == "renditions") {
		command, args = args[0], args[1:]
	}
	cfg, err := app.LoadConfig(args, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		app.Usage(os.Stdout)
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mediagraph:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	switch command {
	case "migrate":
		err = app.MigrateDatabase(ctx, cfg, log)
	case "renditions":
		err = app.BackfillRenditions(ctx, cfg, log, func(p app.BackfillProgress, done bool) {
			state := "…"
			if done {
				state = ": done"
			}
			fmt.Fprintf(os.Stderr, "renditions: %d images checked, %d made, %d cannot be rendered%s\n", p.Images, p.Made, p.Failed, state)
		})
	default:
		err = run(ctx, cfg, log)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mediagraph:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg *app.Config, log *slog.Logger) error {
	srv, err := app.BuildServer(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	ln = srv.Listener(ln)
	httpServer := srv.HTTPServer(context.WithoutCancel(ctx))
	sweepCtx, stopSweep := context.WithCancel(context.WithoutCancel(ctx))
	var sweeping sync.WaitGroup
	sweeping.Go(func() { srv.SweepEvery(sweepCtx, cfg.SweepInterval) })
	sweeping.Go(func() { srv.MakePendingVariants(sweepCtx) })

	if cfg.PprofAddr != "" {
		go servePprof(cfg.PprofAddr, log)
	}
	served := make(chan error, 1)
	go func() { served <- httpServer.Serve(ln) }()
	log.Info("mediagraph: serving", "addr", ln.Addr().String(), "database", app.RedactURL(cfg.DatabaseURL), "storage", app.RedactURL(cfg.StorageURL), "media_url", cfg.MediaURL)

	select {
	case err := <-served:
		stopSweep()
		sweeping.Wait()
		return err
	case <-ctx.Done():
	}
	log.Info("mediagraph: shutting down", "timeout", cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err = httpServer.Shutdown(shutdownCtx)
	stopSweep()
	sweeping.Wait()
	if err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}

// servePprof serves the profiler on its own listener (off by default:
// PPROF_ADDR), never on the public one.
func servePprof(addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	log.Warn("mediagraph: serving pprof", "addr", addr)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		log.Error("mediagraph: pprof", "err", err)
	}
}
