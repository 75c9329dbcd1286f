package awstest

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// The fake credentials and the region of the tests. SecretAccessKey and
// SessionToken are recognisable, so that a test can scan texts for them.
const (
	AccessKeyID     = "AKIDEXAMPLE"
	SecretAccessKey = "awstest-FAKE-secret-access-key-0123456789"
	SessionToken    = "awstest-FAKE-session-token-9876543210"
	Region          = "us-east-1"
)

// Credentials returns a static provider of the fake credentials, session
// token included.
func Credentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, SessionToken)
}

// Secrets returns the fake secrets that must never appear in an error, a
// log line or an endpoint's Info.
func Secrets() []string { return []string{SecretAccessKey, SessionToken} }

// AssertNoSecret fails the test when one of texts contains a secret, in
// any ASCII case: a service that upper-cases what it echoes leaks it too.
func AssertNoSecret(t testing.TB, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, secret := range Secrets() {
			if strings.Contains(strings.ToLower(s), strings.ToLower(secret)) {
				t.Errorf("a secret leaked into %q", s)
			}
		}
	}
}

// Echo is what a hostile service answers: the session token the request
// was signed with and, when secretKey is set, the secret access key, both
// upper-cased, so that only a redactor that ignores case takes them out.
func Echo(x *Exchange, secretKey bool) string {
	s := "echo: " + strings.ToUpper(x.Request.Header.Get("X-Amz-Security-Token"))
	if secretKey {
		s += " " + strings.ToUpper(SecretAccessKey)
	}
	return s
}

// IsolateEnv removes every AWS_ environment variable of the process, points
// the shared config and credentials files at an empty file and disables
// the EC2 instance metadata service, so that an SDK configuration loaded
// in a test depends on nothing of the machine and reaches no network. Call
// it from TestMain, before the tests run.
func IsolateEnv() {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") {
			_ = os.Unsetenv(name)
		}
	}
	_ = os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	_ = os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	_ = os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
}
