package awsrt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/llmtest/llmtest/internal/wholebody"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedactor(t *testing.T) {
	t.Setenv("AWS_SECRET_ACCESS_KEY", "envsecret-0123456789")
	t.Setenv("AWS_SESSION_TOKEN", "short") // too short to redact safely
	r := Secrets(credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "static-secret-abcdef", "session-token-xyz"))
	s := r.Redact("a envsecret-0123456789 b static-secret-abcdef c session-token-xyz d short")
	assert.Equal(t, "a [REDACTED] b [REDACTED] c [REDACTED] d short", s)
	assert.Equal(t, "x [REDACTED] y", r.Message("x\n  static-secret-abcdef\ty"))
	long := strings.Repeat("m", 5000)
	assert.LessOrEqual(t, len(r.Message(long)), 1100)
}

func TestCallError(t *testing.T) {
	r := NewRedactor("sekrit-value-1")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := r.CallError(ctx, "sagemaker", "invoke", errors.New("boom"))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "sagemaker: invoke")

	err = r.CallError(t.Context(), "bedrock", "converse", errors.New("dial sekrit-value-1 failed"))
	assert.EqualError(t, err, "bedrock: converse: dial [REDACTED] failed")
}

func TestNewRetryer(t *testing.T) {
	assert.Equal(t, 1, NewRetryer(0, 0).MaxAttempts())
	assert.Equal(t, 4, NewRetryer(4, time.Millisecond).MaxAttempts())
}

func TestRedactorLearnsTokens(t *testing.T) {
	r := NewRedactor("static-secret-1234")
	r.remember("short")
	for i := range maxLearned + 4 {
		r.remember(fmt.Sprintf("learned-token-%03d", i))
	}
	r.remember("static-secret-1234") // known already: not learned twice
	assert.Len(t, r.learned, maxLearned)
	assert.Equal(t, "learned-token-000 [REDACTED] [REDACTED] short",
		r.Redact("learned-token-000 learned-token-019 static-secret-1234 short"),
		"the oldest token is forgotten once maxLearned are known")
}

func TestLoad(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	_, err := Load(t.Context(), Settings{Service: "bedrock"})
	assert.EqualError(t, err, "bedrock: Config.Region: required: no region in Config, AWSConfig, AWS_REGION or the shared config file")

	creds := credentials.NewStaticCredentialsProvider("AKID", "load-secret-0123456789", "")
	st, err := Load(t.Context(), Settings{Service: "sagemaker", Region: "eu-west-1", Credentials: creds, MaxAttempts: 3})
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", st.Config.Region)
	assert.Equal(t, 3, st.Retryer.MaxAttempts())
	assert.Equal(t, reflect.TypeOf(wholebody.Client(nil)), reflect.TypeOf(st.HTTPClient))
	assert.Equal(t, "[REDACTED]", st.Secrets.Redact("load-secret-0123456789"))

	// An AWSConfig keeps its retryer unless MaxAttempts says otherwise, and
	// its HTTP client, wrapped.
	theirs := aws.Config{Region: "us-west-2", Retryer: func() aws.Retryer { return NewRetryer(5, 0) }, HTTPClient: http.DefaultClient}
	st, err = Load(t.Context(), Settings{Service: "bedrock", AWSConfig: &theirs})
	require.NoError(t, err)
	assert.Nil(t, st.Retryer)
	assert.Equal(t, wholebody.Client(http.DefaultClient), st.HTTPClient)
	st, err = Load(t.Context(), Settings{Service: "bedrock", AWSConfig: &theirs, MaxAttempts: 2})
	require.NoError(t, err)
	assert.Equal(t, 2, st.Retryer.MaxAttempts())
}
