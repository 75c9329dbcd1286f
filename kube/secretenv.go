package kube

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// SecretEnv is an environment variable of the pods whose value is the key
// Key of the Kubernetes Secret named Secret, in the Jobs' namespace.
type SecretEnv struct {
	Name   string // the variable, such as OPENAI_API_KEY
	Secret string // the Secret's name, a DNS-1123 subdomain
	Key    string // the key in the Secret's data
}

// String returns e as ParseSecretEnv reads it, NAME=SECRET:KEY.
func (e SecretEnv) String() string { return e.Name + "=" + e.Secret + ":" + e.Key }

// ParseSecretEnv parses NAME=SECRET:KEY, such as
// OPENAI_API_KEY=openai:api-key, into a SecretEnv, and validates it as
// Kubernetes would. What follows "=" is never in its error: a mistake
// such as OPENAI_API_KEY=sk-... puts the secret itself there, and the
// error says that only a reference is accepted.
func ParseSecretEnv(s string) (SecretEnv, error) {
	name, ref, ok := strings.Cut(s, "=")
	if !ok {
		return SecretEnv{}, fmt.Errorf("want NAME=SECRET:KEY, the variable and a key of a Kubernetes Secret (the value is not shown)")
	}
	if errs := validation.IsEnvVarName(name); len(errs) > 0 {
		return SecretEnv{}, fmt.Errorf("variable name %q: %s", name, errs[0])
	}
	secret, key, ok := strings.Cut(ref, ":")
	if !ok || validation.IsDNS1123Subdomain(secret) != nil || validation.IsConfigMapKey(key) != nil {
		return SecretEnv{}, fmt.Errorf("%s: want %s=SECRET:KEY, the name of a Kubernetes Secret (lowercase letters, digits, '-' and '.') and one of its keys; "+
			"the value given is not one, and is not shown: it may be the secret itself, which a manifest never holds (create the Secret with kubectl create secret generic)", name, name)
	}
	return SecretEnv{Name: name, Secret: secret, Key: key}, nil
}
