package config

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parse(env map[string]string, args ...string) (Config, error) {
	return Parse("users", args, func(k string) string { return env[k] }, io.Discard)
}

func required() map[string]string {
	return map[string]string{"USERS_TABLE": "users", "USERS_BUCKET": "avatars", "AWS_REGION": "eu-west-1"}
}

func TestParse_DefaultsAreOnAWSWithBoundedCalls(t *testing.T) {
	c, err := parse(required())
	require.NoError(t, err)
	assert.False(t, c.Local())
	assert.Equal(t, 5<<20, c.MaxAvatarBytes)
	assert.Equal(t, 4096, c.MaxDimension)
	assert.Equal(t, 3*time.Second, c.AWSTimeout)
	assert.Equal(t, time.Second, c.AttemptTimeout)
	assert.Equal(t, 3, c.MaxAttempts)
}

func TestParse_EndpointVariablesAsTheSDKReadsThem(t *testing.T) {
	for _, tc := range []struct {
		name       string
		env        map[string]string
		dynamo, s3 string
		local      bool
	}{
		{"shared for both", map[string]string{EnvEndpoint: "http://127.0.0.1:4566"}, "http://127.0.0.1:4566", "http://127.0.0.1:4566", true},
		{"service's own wins", map[string]string{EnvEndpoint: "http://a:1", EnvEndpointS3: "http://s3:2"}, "http://a:1", "http://s3:2", true},
		{"one only is not local", map[string]string{EnvEndpointDynamoDB: "http://d:1"}, "http://d:1", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := required()
			for k, v := range tc.env {
				env[k] = v
			}
			c, err := parse(env)
			require.NoError(t, err)
			assert.Equal(t, tc.dynamo, c.DynamoDBEndpoint)
			assert.Equal(t, tc.s3, c.S3Endpoint)
			assert.Equal(t, tc.local, c.Local())
		})
	}
}

func TestParse_BadSettingsAreNamed(t *testing.T) {
	for _, tc := range []struct {
		name, key, value, want string
	}{
		{"endpoint not a URL", EnvEndpointS3, "s3.local", "AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL \"s3.local\" must be an http or https URL"},
		{"avatar base not a URL", "USERS_AVATAR_BASE_URL", "ftp://x", "USERS_AVATAR_BASE_URL"},
		{"page size over a Scan's", "USERS_PAGE_SIZE", "1001", "--page-size must be 1 to 1000"},
		{"no attempts", "USERS_AWS_MAX_ATTEMPTS", "0", "--aws-max-attempts must be at least 1"},
		{"zero timeout", "USERS_AWS_TIMEOUT", "0s", "--aws-timeout must be positive"},
		{"bad duration", "USERS_AWS_ATTEMPT_TIMEOUT", "soon", "USERS_AWS_ATTEMPT_TIMEOUT=\"soon\": want a duration"},
		{"no table", "USERS_TABLE", "", "USERS_TABLE is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := required()
			env[tc.key] = tc.value
			_, err := parse(env)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
