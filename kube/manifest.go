package kube

import (
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"
)

// Write writes objs to w as multi-document YAML, each document after a
// "---" line, for `kubectl apply -f -`. An object's status, which a
// manifest does not set, is left out.
func Write(w io.Writer, objs ...any) error {
	for _, obj := range objs {
		b, err := json.Marshal(obj)
		if err != nil {
			return fmt.Errorf("kube: %w", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("kube: %w", err)
		}
		delete(m, "status")
		y, err := yaml.Marshal(m)
		if err != nil {
			return fmt.Errorf("kube: %w", err)
		}
		if _, err := fmt.Fprintf(w, "---\n%s", y); err != nil {
			return err
		}
	}
	return nil
}
