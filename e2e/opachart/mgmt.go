package opachart

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// kube-mgmt's own flag defaults for the ConfigMap labels; the chart does not
// set these flags.
const (
	PolicyLabel = "openpolicyagent.org/policy"
	PolicyValue = "rego"
	DataLabel   = "openpolicyagent.org/data"
	DataValue   = "opa"
)

// Mgmt is what the chart's mgmt container tells kube-mgmt
// (templates/deployment.yaml, container "mgmt", args).
type Mgmt struct {
	// Namespaces to load policy and data ConfigMaps from (--namespaces).
	Namespaces []string
	// EnablePolicies and EnableData (--enable-policies, --enable-data).
	EnablePolicies, EnableData bool
	// ReplicatePath is the root of replicated objects in OPA's data
	// (--replicate-path), e.g. "kubernetes".
	ReplicatePath string
	// ReplicateCluster lists the cluster-scoped resources kube-mgmt copies
	// into OPA (--replicate-cluster, one per entry).
	ReplicateCluster []schema.GroupVersionResource
}

// MgmtSettings returns the kube-mgmt settings of v. releaseNamespace is the
// chart's fallback when mgmt.namespaces is empty. Settings the harness does
// not replicate (namespaced replication, auto-replication, extra flags that
// could change labels or paths) are errors.
func MgmtSettings(v *Values, releaseNamespace string) (Mgmt, error) {
	m := v.Mgmt
	var errs []error
	if !m.Enabled {
		errs = append(errs, errors.New("mgmt.enabled is false: nothing would load the policy ConfigMap into OPA"))
	}
	if len(m.Replicate.Namespace) > 0 || m.Replicate.Auto {
		errs = append(errs, errors.New("mgmt.replicate.namespace or mgmt.replicate.auto is set: the harness replicates cluster-scoped resources only"))
	}
	if len(m.ExtraArgs) > 0 {
		errs = append(errs, fmt.Errorf("mgmt.extraArgs %q: not supported by the harness", m.ExtraArgs))
	}
	if m.Replicate.Path == "" {
		errs = append(errs, errors.New("mgmt.replicate.path is empty"))
	}
	out := Mgmt{
		Namespaces:     m.Namespaces,
		EnablePolicies: m.Policies.Enabled,
		EnableData:     m.Data.Enabled,
		ReplicatePath:  m.Replicate.Path,
	}
	if len(out.Namespaces) == 0 { // coalesce .Values.mgmt.namespaces (list .Release.Namespace)
		out.Namespaces = []string{releaseNamespace}
	}
	for i, r := range m.Replicate.Cluster {
		gvr, err := ParseResource(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("mgmt.replicate.cluster[%d]: %w", i, err))
			continue
		}
		out.ReplicateCluster = append(out.ReplicateCluster, gvr)
	}
	if len(errs) > 0 {
		return Mgmt{}, fmt.Errorf("chart values: %w", errors.Join(errs...))
	}
	return out, nil
}

// ParseResource parses kube-mgmt's [group/]version/resource notation, e.g.
// "v1/namespaces" or "apps/v1/deployments".
func ParseResource(s string) (schema.GroupVersionResource, error) {
	parts := strings.Split(s, "/")
	for _, p := range parts {
		if p == "" {
			parts = nil
			break
		}
	}
	switch len(parts) {
	case 2:
		return schema.GroupVersionResource{Version: parts[0], Resource: parts[1]}, nil
	case 3:
		return schema.GroupVersionResource{Group: parts[0], Version: parts[1], Resource: parts[2]}, nil
	}
	return schema.GroupVersionResource{}, fmt.Errorf("%q is not [group/]version/resource (e.g. v1/namespaces, apps/v1/deployments)", s)
}
