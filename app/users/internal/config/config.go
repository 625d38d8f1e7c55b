// Package config reads the users service's settings from flags and their
// environment variables into one typed struct, once, at start.
package config

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/doc-search/gitops/app/internal/flagenv"
	"github.com/doc-search/gitops/app/internal/service"
	"github.com/doc-search/gitops/app/users/internal/user"
)

// The SDK's standard endpoint variables: the service's own wins over the
// shared one, as in the SDK.
const (
	EnvEndpoint         = "AWS_ENDPOINT_URL"
	EnvEndpointDynamoDB = "AWS_ENDPOINT_URL_DYNAMODB"
	EnvEndpointS3       = "AWS_ENDPOINT_URL_S3"
)

// Config is every setting of the users service.
type Config struct {
	Service          service.Config
	Table            string
	Bucket           string
	Region           string
	DynamoDBEndpoint string // "" is AWS
	S3Endpoint       string // "" is AWS
	AvatarBaseURL    string
	MaxAvatarBytes   int
	MaxDimension     int
	PageSize         int
	AWSTimeout       time.Duration
	AttemptTimeout   time.Duration
	MaxAttempts      int
}

// Parse reads args (without the program name) and the variables through
// getenv. With -h it prints the usage to out and returns flag.ErrHelp.
func Parse(name string, args []string, getenv func(string) string, out io.Writer) (Config, error) {
	var c Config
	fs := flagenv.New(name, "USERS_", out)
	c.Service.Register(fs)
	fs.StringEnv(&c.Table, "table", "USERS_TABLE", "", "DynamoDB table of the users, keyed by email")
	fs.StringEnv(&c.Bucket, "bucket", "USERS_BUCKET", "", "S3 bucket of the avatars")
	fs.StringEnv(&c.Region, "region", "AWS_REGION", "", "AWS region of the table and the bucket")
	fs.String(&c.AvatarBaseURL, "avatar-base-url", "", "prefix of every avatar_url (default: the bucket's S3 address, or endpoint/bucket with an endpoint override)")
	fs.Int(&c.MaxAvatarBytes, "max-avatar-bytes", 5<<20, "largest avatar image accepted, in bytes")
	fs.Int(&c.MaxDimension, "max-avatar-dimension", 4096, "largest avatar width or height, in pixels")
	fs.Int(&c.PageSize, "page-size", 100, "users read per DynamoDB page when GET /users streams them all, and the default ?limit=")
	fs.Duration(&c.AWSTimeout, "aws-timeout", 3*time.Second, "bound on one AWS call, its retries included")
	fs.Duration(&c.AttemptTimeout, "aws-attempt-timeout", time.Second, "bound on one HTTP attempt of an AWS call")
	fs.Int(&c.MaxAttempts, "aws-max-attempts", 3, "attempts of an AWS call, the first included")
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: users [flags]       serve GET /users and POST /user\n       users init [flags]  create the table and the bucket when missing (compatible stores only), then exit\n\n")
		fmt.Fprintf(out, "Keeps users in DynamoDB and their avatars in S3. Every flag can be set by its\nenvironment variable; the flag wins. %s, %s and %s\npoint the SDK at compatible stores.\n\n", EnvEndpointDynamoDB, EnvEndpointS3, EnvEndpoint)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args, getenv); err != nil {
		return Config{}, err
	}
	c.DynamoDBEndpoint = firstSet(getenv(EnvEndpointDynamoDB), getenv(EnvEndpoint))
	c.S3Endpoint = firstSet(getenv(EnvEndpointS3), getenv(EnvEndpoint))
	return c, c.validate()
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// Local reports whether both stores are compatible ones, not AWS.
func (c Config) Local() bool { return c.DynamoDBEndpoint != "" && c.S3Endpoint != "" }

func (c Config) validate() error {
	var errs []error
	if err := c.Service.Validate(); err != nil {
		errs = append(errs, err)
	}
	for _, r := range []struct{ v, env string }{{c.Table, "USERS_TABLE"}, {c.Bucket, "USERS_BUCKET"}, {c.Region, "AWS_REGION"}} {
		if r.v == "" {
			errs = append(errs, fmt.Errorf("%s is required", r.env))
		}
	}
	for _, e := range []struct{ v, env string }{
		{c.DynamoDBEndpoint, EnvEndpointDynamoDB + " or " + EnvEndpoint},
		{c.S3Endpoint, EnvEndpointS3 + " or " + EnvEndpoint},
		{c.AvatarBaseURL, "USERS_AVATAR_BASE_URL"},
	} {
		if e.v == "" {
			continue
		}
		if u, err := url.Parse(e.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q must be an http or https URL", e.env, e.v))
		}
	}
	if c.MaxAvatarBytes < 1 {
		errs = append(errs, fmt.Errorf("--max-avatar-bytes must be positive, got %d", c.MaxAvatarBytes))
	}
	if c.MaxDimension < 1 {
		errs = append(errs, fmt.Errorf("--max-avatar-dimension must be positive, got %d", c.MaxDimension))
	}
	if c.PageSize < 1 || c.PageSize > user.MaxPage {
		errs = append(errs, fmt.Errorf("--page-size must be 1 to %d, got %d", user.MaxPage, c.PageSize))
	}
	if c.MaxAttempts < 1 {
		errs = append(errs, fmt.Errorf("--aws-max-attempts must be at least 1, got %d", c.MaxAttempts))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--aws-timeout", c.AWSTimeout}, {"--aws-attempt-timeout", c.AttemptTimeout}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %s", d.name, d.v))
		}
	}
	return errors.Join(errs...)
}
