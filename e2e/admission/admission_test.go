package admission

import (
	"sort"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAdmission runs the admission path end to end. The subtests run in
// this order on one system: those that need OPA first, then OPA is stopped
// for the fail-closed checks.
func TestAdmission(t *testing.T) {
	e := setup(t, basePods)
	if e == nil {
		return
	}
	t.Run("a_opted_in_pods_are_mutated", func(t *testing.T) { testMutated(t, e) })
	t.Run("a_policy_denials_reach_the_user", func(t *testing.T) { testPolicyDenial(t, e) })
	t.Run("b_other_pods_are_stored_unchanged", func(t *testing.T) { testUnchanged(t, e) })
	t.Run("d_updates_are_not_intercepted", func(t *testing.T) { testUpdateNotIntercepted(t, e) })
	t.Run("e_hostpath_policy", func(t *testing.T) { testHostPathPolicy(t, e) })
	t.Run("f_label_removal_opens_nothing", func(t *testing.T) { testLabelRemoval(t, e) })
	t.Run("g_squatter_refused", func(t *testing.T) { testSquatter(t, e) })
	t.Run("h_rendered_webhook_is_called", func(t *testing.T) { testRenderedWebhook(t, e) })
	t.Run("latency", func(t *testing.T) { testLatency(t, e) })
	t.Run("c_one_of_two_replicas_down", func(t *testing.T) { testOneReplicaDown(t, e) })
	// From here on OPA is down.
	t.Run("c_fail_closed_without_opa", func(t *testing.T) { testFailClosed(t, e) })
	t.Run("d_updates_succeed_without_opa", func(t *testing.T) { testUpdateWithoutOPA(t, e) })
}

// tenantNames are the tenant namespaces, sorted.
func tenantNames(e *env) []string {
	names := make([]string, 0, len(e.tenants))
	for n := range e.tenants {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// podCase is a pod a subtest creates and what OPA should see of it.
type podCase struct {
	pod    *corev1.Pod
	reason string
	// calls is how many times the API server must call OPA to create it.
	calls int64
}

// mutatedCases are the opted-in pods in tenant namespaces.
func mutatedCases(e *env) []podCase {
	ts := tenantNames(e)
	return []podCase{
		{
			pod:    newPod(ts[0], "inject-all", optIn(), withEverything),
			reason: "init container, two containers (one with an SCC-assigned UID), an existing volume and a seccomp profile",
			calls:  1,
		},
		{
			pod:    newPod(ts[1], "inject-minimal", optIn()),
			reason: "one container, nothing else; this tenant's fsGroup differs from its run-as group",
			calls:  1,
		},
	}
}

// unchangedCases are pods the webhook must leave as the API server alone
// would store them.
func unchangedCases(e *env) []podCase {
	ts := tenantNames(e)
	return []podCase{
		{pod: newPod(ts[0], "no-label", map[string]string{"app": "web"}, withEverything), calls: 1,
			reason: "tenant namespace, pod without the opt-in label: OPA is asked and patches nothing"},
		{pod: newPod(ts[0], "label-false", map[string]string{podLabel: "false"}), calls: 1,
			reason: `tenant namespace, opt-in label "false": only "true" opts in`},
		{pod: newPod(plainNS, "opted-in", optIn(), withEverything), calls: 0,
			reason: "namespace without labels: the webhook's namespaceSelector keeps OPA out of it"},
		{pod: newPod(halfLabelled, "opted-in", optIn()), calls: 0,
			reason: "namespace labelled like a tenant (generic OPA and old tenant labels) but not configured: the selector is by name"},
		{pod: newPod(metav1.NamespaceSystem, "opted-in", optIn()), calls: 0,
			reason: "kube-system: never selected"},
	}
}

func basePods(e *env) []*corev1.Pod {
	var pods []*corev1.Pod
	for _, c := range append(mutatedCases(e), unchangedCases(e)...) {
		pods = append(pods, c.pod)
	}
	return pods
}
