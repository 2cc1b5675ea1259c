// Package metrics is mediagraph's Prometheus instrumentation: HTTP requests
// by handler and status, GraphQL operations by root field and outcome, with
// latency histograms; uploaded files and bytes by target and outcome;
// storage and database errors; sweep runs and removed files; lingering
// closes by outcome and the request bytes they discarded; renditions by
// outcome, with their time. One Metrics
// value owns its registry (no global state); Handler serves it in the
// Prometheus text format. A nil *Metrics records nothing.
package metrics

import (
	"context"
	"database/sql/driver"
	"net/http"
	"strconv"
	"time"

	"entgo.io/ent/dialect"
	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds mediagraph's collectors.
type Metrics struct {
	registry *prometheus.Registry

	httpRequests  *prometheus.CounterVec
	httpDuration  *prometheus.HistogramVec
	operations    *prometheus.CounterVec
	opDuration    *prometheus.HistogramVec
	uploadFiles   *prometheus.CounterVec
	uploadBytes   *prometheus.CounterVec
	storageErrors *prometheus.CounterVec
	dbErrors      *prometheus.CounterVec
	sweepRuns     *prometheus.CounterVec
	sweepRemoved  prometheus.Counter
	lingers       *prometheus.CounterVec
	lingerBytes   prometheus.Counter
	renditions    *prometheus.CounterVec
	renderTime    prometheus.Histogram
}

// New registers the collectors (and the Go and process collectors) on a
// registry of their own.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mediagraph_http_requests_total",
			Help: "HTTP requests by handler, method and status code.",
		}, []string{"handler", "method", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mediagraph_http_request_duration_seconds",
			Help:    "HTTP request latency by handler.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 14),
		}, []string{"handler"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mediagraph_graphql_operations_total",
			Help: "GraphQL operations by type, root field and outcome (ok, error).",
		}, []string{"type", "field", "outcome"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mediagraph_graphql_operation_duration_seconds",
			Help:    "GraphQL operation latency by type and root field.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 14),
		}, []string{"type", "field"}),
		uploadFiles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mediagraph_upload_files_total",
			Help: "Uploaded files by target and outcome (stored, failed, or the refusal code).",
		}, []string{"target", "outcome"}),
		uploadBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mediagraph_upload_bytes_total",
			Help: "Bytes of uploaded files by target and outcome.",
		}, []string{"target", "outcome"}),
		storageErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mediagraph_storage_errors_total",
			Help: "Storage errors by operation (put, delete, sweep).",
		}, []string{"op"}),
		dbErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mediagraph_database_errors_total",
			Help: "Database errors by operation (exec, query, begin, commit, rollback).",
		}, []string{"op"}),
		sweepRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mediagraph_sweep_runs_total",
			Help: "Sweeps of unreferenced files by outcome (ok, error).",
		}, []string{"outcome"}),
		sweepRemoved: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mediagraph_sweep_removed_files_total",
			Help: "Unreferenced files removed by sweeps.",
		}),
		lingers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mediagraph_lingering_closes_total",
			Help: "Connections closed after an early answer, once the rest of the request was read and discarded, by how the lingering ended (eof: the client sent everything; idle, time: a bound passed; reset: the client aborted; shutdown).",
		}, []string{"outcome"}),
		lingerBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mediagraph_lingering_discarded_bytes_total",
			Help: "Request bytes read and discarded, unparsed, by lingering closes.",
		}),
		renditions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mediagraph_renditions_total",
			Help: "Images whose variants were made, by outcome (made; unrenderable: the original stands in; failed: a storage error, made again later; dropped: the queue was full, made on demand or by the backfill).",
		}, []string{"outcome"}),
		renderTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "mediagraph_rendition_duration_seconds",
			Help:    "Time to make and store every variant of one image, from one decode (waiting for the decode budget included).",
			Buckets: prometheus.ExponentialBuckets(0.002, 2.5, 12),
		}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.httpRequests, m.httpDuration, m.operations, m.opDuration,
		m.uploadFiles, m.uploadBytes, m.storageErrors, m.dbErrors,
		m.sweepRuns, m.sweepRemoved, m.lingers, m.lingerBytes,
		m.renditions, m.renderTime,
	)
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// ObserveHTTP records one HTTP request.
func (m *Metrics) ObserveHTTP(handler, method string, code int, d time.Duration) {
	if m == nil {
		return
	}
	m.httpRequests.WithLabelValues(handler, method, strconv.Itoa(code)).Inc()
	m.httpDuration.WithLabelValues(handler).Observe(d.Seconds())
}

// ObserveOperation records one GraphQL operation.
func (m *Metrics) ObserveOperation(opType, field string, ok bool, d time.Duration) {
	if m == nil {
		return
	}
	outcome := "ok"
	if !ok {
		outcome = "error"
	}
	m.operations.WithLabelValues(opType, field, outcome).Inc()
	m.opDuration.WithLabelValues(opType, field).Observe(d.Seconds())
}

// ObserveUpload records one uploaded file.
func (m *Metrics) ObserveUpload(target, outcome string, bytes int64) {
	if m == nil {
		return
	}
	m.uploadFiles.WithLabelValues(target, outcome).Inc()
	m.uploadBytes.WithLabelValues(target, outcome).Add(float64(bytes))
}

// StorageError records a failed storage operation.
func (m *Metrics) StorageError(op string) {
	if m == nil {
		return
	}
	m.storageErrors.WithLabelValues(op).Inc()
}

// ObserveSweep records one sweep.
func (m *Metrics) ObserveSweep(removed int, err error) {
	if m == nil {
		return
	}
	if err != nil {
		m.sweepRuns.WithLabelValues("error").Inc()
		m.StorageError("sweep")
	} else {
		m.sweepRuns.WithLabelValues("ok").Inc()
	}
	m.sweepRemoved.Add(float64(removed))
}

// ObserveRendition records the variants of one image made (or not): the
// outcome, and for those that were tried, how long it took.
func (m *Metrics) ObserveRendition(outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.renditions.WithLabelValues(outcome).Inc()
	if d > 0 {
		m.renderTime.Observe(d.Seconds())
	}
}

// ObserveLinger records one lingering close: how it ended and how many
// bytes it discarded.
func (m *Metrics) ObserveLinger(outcome string, discarded int64) {
	if m == nil {
		return
	}
	m.lingers.WithLabelValues(outcome).Inc()
	m.lingerBytes.Add(float64(discarded))
}

// Driver wraps an ent driver to count database errors.
func (m *Metrics) Driver(d dialect.Driver) dialect.Driver {
	if m == nil {
		return d
	}
	return &countingDriver{Driver: d, m: m}
}

func (m *Metrics) dbError(op string, err error) error {
	if err != nil && err != driver.ErrSkip && err != context.Canceled {
		m.dbErrors.WithLabelValues(op).Inc()
	}
	return err
}

type countingDriver struct {
	dialect.Driver
	m *Metrics
}

func (d *countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	return d.m.dbError("exec", d.Driver.Exec(ctx, query, args, v))
}

func (d *countingDriver) Query(ctx context.Context, query string, args, v any) error {
	return d.m.dbError("query", d.Driver.Query(ctx, query, args, v))
}

func (d *countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, d.m.dbError("begin", err)
	}
	return &countingTx{Tx: tx, m: d.m}, nil
}

type countingTx struct {
	dialect.Tx
	m *Metrics
}

func (t *countingTx) Exec(ctx context.Context, query string, args, v any) error {
	return t.m.dbError("exec", t.Tx.Exec(ctx, query, args, v))
}

func (t *countingTx) Query(ctx context.Context, query string, args, v any) error {
	return t.m.dbError("query", t.Tx.Query(ctx, query, args, v))
}

func (t *countingTx) Commit() error { return t.m.dbError("commit", t.Tx.Commit()) }

func (t *countingTx) Rollback() error { return t.m.dbError("rollback", t.Tx.Rollback()) }

// GraphQL returns a gqlgen extension that records every operation by its
// type and first root field (names the schema bounds, unlike operation
// names, which clients choose).
func (m *Metrics) GraphQL() graphql.HandlerExtension { return graphqlExtension{m} }

type graphqlExtension struct{ m *Metrics }

func (graphqlExtension) ExtensionName() string { return "Metrics" }

func (graphqlExtension) Validate(graphql.ExecutableSchema) error { return nil }

func (e graphqlExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	if !graphql.HasOperationContext(ctx) {
		return resp
	}
	opCtx := graphql.GetOperationContext(ctx)
	if opCtx.Operation == nil {
		return resp
	}
	field := "unknown"
	if fields := graphql.CollectFields(opCtx, opCtx.Operation.SelectionSet, nil); len(fields) > 0 {
		field = fields[0].Name
	}
	ok := resp == nil || len(resp.Errors) == 0
	e.m.ObserveOperation(string(opCtx.Operation.Operation), field, ok, time.Since(start))
	return resp
}
