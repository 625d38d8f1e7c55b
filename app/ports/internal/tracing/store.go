package tracing

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/doc-search/gitops/app/ports/internal/port"
)

// Store wraps a port.Store so each call is a child span of the caller's:
// a trace shows how long the store took within a request.
func Store(s port.Store, tp trace.TracerProvider, system string) port.Store {
	return tracedStore{s: s, tracer: tp.Tracer("github.com/doc-search/gitops/app/ports/store"), system: attribute.String("db.system.name", system)}
}

type tracedStore struct {
	s      port.Store
	tracer trace.Tracer
	system attribute.KeyValue
}

func (t tracedStore) Get(ctx context.Context, code string) (port.Port, error) {
	ctx, span := t.tracer.Start(ctx, "store.Get", trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(t.system, attribute.String("db.operation.name", "get"), attribute.String("ports.locode", code)))
	defer span.End()
	p, err := t.s.Get(ctx, code)
	span.SetAttributes(attribute.Bool("ports.found", err == nil))
	if err != nil && !errors.Is(err, port.ErrNotFound) {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	return p, err
}

func (t tracedStore) List(ctx context.Context, q port.Query) (port.Page, error) {
	ctx, span := t.tracer.Start(ctx, "store.List", trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(t.system, attribute.String("db.operation.name", "list"),
			attribute.String("ports.country", q.Country), attribute.String("ports.after", q.After), attribute.Int("ports.limit", q.Limit)))
	defer span.End()
	page, err := t.s.List(ctx, q)
	span.SetAttributes(attribute.Int("ports.returned", len(page.Ports)))
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	return page, err
}
