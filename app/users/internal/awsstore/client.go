package awsstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/doc-search/gitops/app/internal/service"
)

// Options are what a Store is built from.
type Options struct {
	Region string
	Table  string
	Bucket string
	// DynamoDBEndpoint and S3Endpoint override AWS's endpoints for
	// compatible stores (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3,
	// AWS_ENDPOINT_URL); "" is AWS itself.
	DynamoDBEndpoint string
	S3Endpoint       string
	// AvatarBaseURL prefixes every avatar_url; "" derives it: the bucket's
	// public S3 address, or endpoint/bucket with an override.
	AvatarBaseURL string
	// Timeout bounds one call with its retries; AttemptTimeout one HTTP
	// attempt; MaxAttempts counts the first try.
	Timeout        time.Duration
	AttemptTimeout time.Duration
	MaxAttempts    int
	Registerer     prometheus.Registerer
	Namespace      string // metric name prefix, "users"
}

// Local reports whether both stores are overridden: only those may be
// created by Init.
func (o Options) Local() bool { return o.DynamoDBEndpoint != "" && o.S3Endpoint != "" }

// New builds the SDK clients. Credentials come from the SDK's default
// chain: the web identity token of the Pod's ServiceAccount (IRSA) on EKS,
// the environment elsewhere. Nothing is called yet.
func New(ctx context.Context, o Options) (*Store, error) {
	m := newMetrics(o.Registerer, o.Namespace)
	// Few attempts with a short backoff: a caller waits on the request, and
	// a store down for longer is a 503 it can retry, not a hanging request.
	retryer := func() aws.Retryer {
		return retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = o.MaxAttempts
			so.MaxBackoff = 500 * time.Millisecond
		})
	}
	httpClient := awshttp.NewBuildableClient().
		WithTimeout(o.AttemptTimeout).
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = o.AttemptTimeout })
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(o.Region),
		config.WithRetryer(retryer),
		config.WithHTTPClient(httpClient),
		config.WithAPIOptions([]func(*middleware.Stack) error{m.instrument}),
	)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	db := dynamodb.NewFromConfig(cfg, func(do *dynamodb.Options) {
		if o.DynamoDBEndpoint != "" {
			do.BaseEndpoint = aws.String(o.DynamoDBEndpoint)
		}
	})
	s3c := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.S3Endpoint != "" {
			so.BaseEndpoint = aws.String(o.S3Endpoint)
			// Compatible stores serve buckets by path, and not all of them
			// read the SDK's streamed trailing checksums.
			so.UsePathStyle = true
			so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	base := o.AvatarBaseURL
	switch {
	case base != "":
	case o.S3Endpoint != "":
		base = strings.TrimSuffix(o.S3Endpoint, "/") + "/" + o.Bucket
	default:
		base = PublicBaseURL(o.Bucket, o.Region)
	}
	return &Store{db: db, s3: s3c, table: o.Table, bucket: o.Bucket, baseURL: strings.TrimSuffix(base, "/"), timeout: o.Timeout}, nil
}

// Init creates the table (keyed by email, on demand) and the bucket when
// they are missing, and waits until the table is active.
func (s *Store) Init(ctx context.Context) error {
	_, err := s.db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(s.table),
		AttributeDefinitions: []dbtypes.AttributeDefinition{{AttributeName: aws.String(attrEmail), AttributeType: dbtypes.ScalarAttributeTypeS}},
		KeySchema:            []dbtypes.KeySchemaElement{{AttributeName: aws.String(attrEmail), KeyType: dbtypes.KeyTypeHash}},
		BillingMode:          dbtypes.BillingModePayPerRequest,
	})
	var inUse *dbtypes.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("creating table %s: %w", s.table, err)
	}
	if err := dynamodb.NewTableExistsWaiter(s.db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)}, time.Minute); err != nil {
		return fmt.Errorf("waiting for table %s: %w", s.table, err)
	}
	if _, err := s.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.bucket)}); err == nil {
		return nil
	}
	if _, err := s.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.bucket)}); err != nil {
		var owned *s3types.BucketAlreadyOwnedByYou
		if !errors.As(err, &owned) {
			return fmt.Errorf("creating bucket %s: %w", s.bucket, err)
		}
	}
	return nil
}

// metrics measure every AWS call, its retries included, by service and
// operation: the latency a request waits on and the errors it answers 503 for.
type metrics struct {
	duration *prometheus.HistogramVec // service, operation
	errors   *prometheus.CounterVec   // service, operation, code
}

func newMetrics(reg prometheus.Registerer, namespace string) *metrics {
	f := promauto.With(reg)
	return &metrics{
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "aws_request_duration_seconds",
			Help:    "Time of an AWS call, retries included, by service and operation.",
			Buckets: service.DurationBuckets,
		}, []string{"service", "operation"}),
		errors: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "aws_request_errors_total",
			Help: "AWS calls that failed after their retries, by service, operation and error code.",
		}, []string{"service", "operation", "code"}),
	}
}

// instrument adds the measuring step first in every operation's stack, so
// it sees the call once, retries and all.
func (m *metrics) instrument(st *middleware.Stack) error {
	return st.Initialize.Add(middleware.InitializeMiddlewareFunc("UsersMetrics",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			start := time.Now()
			out, md, err := next.HandleInitialize(ctx, in)
			svc, op := middleware.GetServiceID(ctx), middleware.GetOperationName(ctx)
			m.duration.WithLabelValues(svc, op).Observe(time.Since(start).Seconds())
			if err != nil {
				m.errors.WithLabelValues(svc, op, errorCode(ctx, err)).Inc()
			}
			return out, md, err
		}), middleware.Before)
}

// errorCode is the service's error code, or timeout or network.
func errorCode(ctx context.Context, err error) string {
	var ae smithy.APIError
	switch {
	case errors.As(err, &ae):
		return ae.ErrorCode()
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		return "timeout"
	}
	return "network"
}
