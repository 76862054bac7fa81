package acceptance

import (
	"context"
	"fmt"
	"os"

	"supremeraid.dev/supremeraid-fn/e2e/apply"
)

// createPlatformNamespaces applies testdata/platform/namespaces.yaml: namespaces OpenShift
// itself provides, which the rendered output uses but never creates.
func createPlatformNamespaces(ctx context.Context, applier *apply.Applier) error {
	const file = "../testdata/platform/namespaces.yaml"
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	objs, err := apply.Decode(data, file)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if _, err := applier.Apply(ctx, o); err != nil {
			return fmt.Errorf("creating platform namespace: %w", err)
		}
	}
	return nil
}
