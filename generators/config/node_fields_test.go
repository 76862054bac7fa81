package config

import (
	"strings"
	"testing"

	"k8s.io/utils/ptr"
)

// TestNodeImageFields covers spec.node.imageRepository and spec.node.runtimeClassName: their
// defaults and the problems Validate reports with their field paths.
func TestNodeImageFields(t *testing.T) {
	cases := map[string]struct {
		reason   string
		edit     func(c *SupremeRAID)
		wantRepo string
		wantRC   string   // "" = no runtime class
		wantErrs []string // "path: substring"
	}{
		"defaults": {
			reason:   "an ImageStream <name>-node in spec.namespace of the internal registry; the GPU Operator's nvidia runtime class",
			edit:     func(c *SupremeRAID) {},
			wantRepo: "image-registry.openshift-image-registry.svc:5000/supremeraid/graid-node",
			wantRC:   "nvidia",
		},
		"defaults follow name and namespace": {
			reason:   "the default repository is derived after metadata.name and spec.namespace are defaulted",
			edit:     func(c *SupremeRAID) { c.Name, c.Spec.Namespace = "storage", "graid-system" },
			wantRepo: "image-registry.openshift-image-registry.svc:5000/graid-system/storage-node",
			wantRC:   "nvidia",
		},
		"explicit empty runtime class survives": {
			reason:   `"" means no runtimeClassName (GPU Operator OCI hook), so defaulting must keep it`,
			edit:     func(c *SupremeRAID) { c.Spec.Node.RuntimeClassName = ptr.To("") },
			wantRepo: "image-registry.openshift-image-registry.svc:5000/supremeraid/graid-node",
		},
		"bad values": {
			reason: "a repository with a tag and a runtime class that is no object name are reported with their paths",
			edit: func(c *SupremeRAID) {
				c.Spec.Node.ImageRepository = "registry.example.com/graid/node:v1"
				c.Spec.Node.RuntimeClassName = ptr.To("NVIDIA_runtime")
			},
			wantRepo: "registry.example.com/graid/node:v1",
			wantRC:   "NVIDIA_runtime",
			wantErrs: []string{
				"spec.node.imageRepository: Invalid value: \"registry.example.com/graid/node:v1\": must be an image repository without tag or digest",
				"spec.node.runtimeClassName: Invalid value: \"NVIDIA_runtime\"",
			},
		},
		"derived repository of a bad name": {
			reason:   "a default built from an invalid metadata.name is not reported twice",
			edit:     func(c *SupremeRAID) { c.Name = "GRAID" },
			wantRepo: "image-registry.openshift-image-registry.svc:5000/supremeraid/GRAID-node",
			wantRC:   "nvidia",
			wantErrs: []string{"metadata.name: Invalid value: \"GRAID\""},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := valid()
			tc.edit(c)
			c.Default()
			if c.Spec.Node.ImageRepository != tc.wantRepo {
				t.Errorf("%s\nimageRepository %q, want %q", tc.reason, c.Spec.Node.ImageRepository, tc.wantRepo)
			}
			if rc := c.Spec.Node.RuntimeClassName; rc == nil || *rc != tc.wantRC {
				t.Errorf("%s\nruntimeClassName %v, want %q", tc.reason, rc, tc.wantRC)
			}
			errs := c.Validate()
			if len(errs) != len(tc.wantErrs) {
				t.Fatalf("%s\nerrors %v, want %d", tc.reason, errs.ToAggregate(), len(tc.wantErrs))
			}
			for i, want := range tc.wantErrs {
				if !strings.HasPrefix(errs[i].Error(), want) {
					t.Errorf("%s\nerror %q, want prefix %q", tc.reason, errs[i].Error(), want)
				}
			}
		})
	}
}
