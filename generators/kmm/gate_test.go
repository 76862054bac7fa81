package kmm_test

import (
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"supremeraid.dev/supremeraid-fn/generators/kmm"
)

// TestKernelRegexp runs the mapping's regexp (Go's regexp, as KMM uses) against kernel releases
// of the OpenShift versions it is for, and against kernels it must not claim.
func TestKernelRegexp(t *testing.T) {
	re := regexp.MustCompile(kmm.KernelRegexp)
	cases := map[string]struct {
		reason string
		kernel string
		match  bool
	}{
		"4.14":            {"RHCOS 4.14, RHEL 9.2", "5.14.0-284.40.1.el9_2.x86_64", true},
		"4.15":            {"RHCOS 4.15, RHEL 9.2", "5.14.0-284.59.1.el9_2.x86_64", true},
		"4.16":            {"RHCOS 4.16, RHEL 9.4", "5.14.0-427.22.1.el9_4.x86_64", true},
		"4.17":            {"RHCOS 4.17, RHEL 9.4", "5.14.0-427.37.1.el9_4.x86_64", true},
		"4.18":            {"RHCOS 4.18, RHEL 9.4", "5.14.0-427.50.1.el9_4.x86_64", true},
		"4.19":            {"RHCOS 4.19, RHEL 9.6", "5.14.0-570.19.1.el9_6.x86_64", true},
		"real-time":       {"RT kernels are refused (NVIDIA's modules do not build for PREEMPT_RT): 4.14/4.15 form", "5.14.0-284.40.1.rt14.325.el9_2.x86_64", false},
		"real-time +rt":   {"RT kernels are refused: the 4.16+ form (openshift/driver-toolkit#154)", "5.14.0-427.18.1.el9_4.x86_64+rt", false},
		"rhel 9.0":        {"no minor-release suffix", "5.14.0-70.13.1.el9.x86_64", true},
		"aarch64":         {"SupremeRAID's installer here is x86_64", "5.14.0-427.22.1.el9_4.aarch64", false},
		"aarch64 64k":     {"64k-page kernels are arm only", "5.14.0-427.22.1.el9_4.aarch64+64k", false},
		"rhel 8":          {"OpenShift 4.12 and older run RHEL 8 kernels", "4.18.0-372.73.1.el8_6.x86_64", false},
		"rhel 10":         {"RHCOS 10 is not covered until it is tested", "6.12.0-55.9.1.el10_0.x86_64", false},
		"ubuntu":          {"not RHCOS", "5.15.0-105-generic", false},
		"suffix after":    {"anchored at the end", "5.14.0-427.22.1.el9_4.x86_64.debug", false},
		"el9 in the path": {"el9 must be the dist tag before the arch", "5.14.0-el9_4-custom.x86_64", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := re.MatchString(tc.kernel); got != tc.match {
				t.Errorf("%s matches %q = %v, want %v (%s)", kmm.KernelRegexp, tc.kernel, got, tc.match, tc.reason)
			}
		})
	}
}

func TestLoadOrder(t *testing.T) {
	if diff := cmp.Diff([]string{"graid_nvidia", "graid"}, kmm.LoadOrder()); diff != "" {
		t.Errorf("LoadOrder (-want +got):\n%s", diff)
	}
	// LoadOrder must hand out a fresh slice: callers may reorder it.
	a := kmm.LoadOrder()
	a[0] = "x"
	if kmm.LoadOrder()[0] != "graid_nvidia" {
		t.Error("LoadOrder shares its backing array")
	}
}
