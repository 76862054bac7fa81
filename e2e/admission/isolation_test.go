package admission

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// settle is how long a label change is given to reach the API server's namespace informers
// (which the policy matching reads); every request in that time must already be refused.
const settle = 3 * time.Second

// testLabelRemoval (a): removing every label from a tenant namespace does not open hostPath,
// and labelling a non-tenant namespace like a tenant neither restricts nor mutates it. The
// API server sets kubernetes.io/metadata.name itself and keeps it, whatever a client writes.
func testLabelRemoval(t *testing.T, e *env) {
	ctx := context.Background()
	own := e.tenants[tenantNames(e)[0]]
	ns, err := e.kube.CoreV1().Namespaces().Get(ctx, own.Name, metav1.GetOptions{})
	require.NoError(t, err)
	original := ns.Labels
	stripped := ns.DeepCopy()
	// Every label removed, and the name label set to another tenant's name.
	stripped.Labels = map[string]string{corev1.LabelMetadataName: tenantNames(e)[1]}
	updated, err := e.kube.CoreV1().Namespaces().Update(ctx, stripped, metav1.UpdateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		ns, err := e.kube.CoreV1().Namespaces().Get(ctx, own.Name, metav1.GetOptions{})
		if err == nil {
			ns.Labels = original
			_, err = e.kube.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{})
		}
		if err != nil {
			t.Errorf("restoring the labels of %s: %v", own.Name, err)
		}
	})
	assert.Equal(t, map[string]string{corev1.LabelMetadataName: own.Name}, updated.Labels,
		"the API server keeps kubernetes.io/metadata.name equal to the name and nothing else remains")
	t.Logf("PASS (a) namespace %s stored with labels %v after a client removed all and rewrote the name label", own.Name, updated.Labels)

	bad := newPod(own.Name, "label-removed-etc", nil, withHostPath("etc", "/etc", corev1.HostPathDirectory))
	for deadline := time.Now().Add(settle); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		_, err := e.create(ctx, bad, true)
		require.Error(t, err, "hostPath /etc admitted in %s after its labels were removed", own.Name)
		require.True(t, e.deniedByVAP(err), "refused, but not by %s: %v", e.vapName, err)
	}
	t.Logf("PASS (a) hostPath /etc in unlabelled tenant %s refused by %s throughout %v", own.Name, e.vapName, settle)
	got, err := e.create(ctx, newPod(own.Name, "label-removed-opted-in", optIn()), true)
	require.NoError(t, err)
	require.NotNil(t, findVolume(got, volumeName), "the webhook still selects the tenant by name")
	t.Logf("PASS (a) opted-in pod in unlabelled tenant %s still gets the volume", own.Name)

	// A non-tenant namespace labelled like a tenant: its own hostPath pods keep working and
	// OPA is not called.
	sys, err := e.kube.CoreV1().Namespaces().Get(ctx, metav1.NamespaceSystem, metav1.GetOptions{})
	require.NoError(t, err)
	sysOriginal := sys.Labels
	if sys.Labels == nil {
		sys.Labels = map[string]string{}
	}
	sys.Labels[webhookLabel] = "enabled"
	sys.Labels["supremeraid.dev/tenant"] = "true"
	_, err = e.kube.CoreV1().Namespaces().Update(ctx, sys, metav1.UpdateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		sys, err := e.kube.CoreV1().Namespaces().Get(ctx, metav1.NamespaceSystem, metav1.GetOptions{})
		if err == nil {
			sys.Labels = sysOriginal
			_, err = e.kube.CoreV1().Namespaces().Update(ctx, sys, metav1.UpdateOptions{})
		}
		if err != nil {
			t.Errorf("restoring the labels of kube-system: %v", err)
		}
	})
	before := e.decisions(t)
	for deadline := time.Now().Add(settle); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		_, err := e.create(ctx, newPod(metav1.NamespaceSystem, "tenant-labelled-hostpath", optIn(), withHostPath("etc", "/etc", corev1.HostPathDirectory)), true)
		require.NoError(t, err, "kube-system labelled like a tenant: its hostPath pod must still be admitted")
	}
	e.callsSince(t, before, 0)
	t.Logf("PASS (a) kube-system labelled like a tenant: hostPath pods admitted, OPA not called")
}

// testSquatter (b): a self-provisioner cannot create a configured tenant namespace; a
// namespace creator can (here: the name exists, so the API server answers AlreadyExists, which
// it does only after admission let the request through); the self-provisioner's own
// namespaces are not affected.
func testSquatter(t *testing.T, e *env) {
	ctx := context.Background()
	// A self-provisioner: may create namespaces (OpenShift's self-provisioner role grants it
	// through project requests; here directly, which the guard must refuse all the same).
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "e2e-namespace-creator"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"create"}}}}
	_, err := e.kube.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{})
	require.NoError(t, err)
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "e2e-namespace-creator"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "User", Name: "alice"}}}
	_, err = e.kube.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{})
	require.NoError(t, err)
	cfg := rest.CopyConfig(e.cp.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "alice", Groups: []string{"system:authenticated:oauth", "system:authenticated"}}
	alice, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)

	tenant := tenantNames(e)[0]
	var last error
	for deadline := time.Now().Add(settleTimeout); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		_, last = alice.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: tenant}}, metav1.CreateOptions{})
		// RBAC answers Forbidden too until the new binding reaches the authorizer's cache:
		// only the guard's own refusal ends the wait.
		if apierrors.IsForbidden(last) && strings.Contains(last.Error(), "ValidatingAdmissionPolicy '"+e.guardName+"'") {
			break
		}
	}
	require.True(t, apierrors.IsForbidden(last), "alice creating tenant namespace %s: %v", tenant, last)
	assert.Contains(t, last.Error(), "ValidatingAdmissionPolicy '"+e.guardName+"'")
	assert.Contains(t, last.Error(), "refused for alice")
	t.Logf("PASS (b) self-provisioner refused: %v", last)

	_, err = e.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: tenant}}, metav1.CreateOptions{})
	assert.True(t, apierrors.IsAlreadyExists(err), "a namespace creator (system:masters) passes the guard and reaches storage: %v", err)
	t.Logf("PASS (b) system:masters passes the guard (storage answers: %v)", err)

	_, err = alice.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "alice-project"}}, metav1.CreateOptions{})
	assert.NoError(t, err, "alice's own namespaces are none of the guard's business")
}

// testRenderedWebhook (d): the webhook configuration the API server stores, and calls, is the
// one helm template rendered from the real chart, except the route and CA bundle.
func testRenderedWebhook(t *testing.T, e *env) {
	ctx := context.Background()
	stored, err := e.kube.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, e.webhookName, metav1.GetOptions{})
	require.NoError(t, err)
	var rendered struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
		Webhooks []map[string]any  `json:"webhooks"`
	}
	require.NoError(t, json.Unmarshal(e.renderedWebhook, &rendered))
	require.Len(t, rendered.Webhooks, 1)
	require.Len(t, stored.Webhooks, 1)
	got, err := json.Marshal(stored.Webhooks[0])
	require.NoError(t, err)
	var gotMap map[string]any
	require.NoError(t, json.Unmarshal(got, &gotMap))
	for _, k := range []string{"name", "namespaceSelector", "rules", "failurePolicy", "sideEffects", "timeoutSeconds", "admissionReviewVersions"} {
		assert.Equal(t, rendered.Webhooks[0][k], gotMap[k], "webhook field %s: stored differs from helm template", k)
	}
	assert.Equal(t, rendered.Metadata.Annotations, stored.Annotations)
	before := e.decisions(t)
	p, err := e.create(ctx, newPod(tenantNames(e)[0], "rendered-webhook", optIn()), true)
	require.NoError(t, err)
	require.NotNil(t, findVolume(p, volumeName))
	e.callsSince(t, before, 1)
	t.Logf("PASS (d) the API server called OPA through the webhook helm template rendered (selector %v)", gotMap["namespaceSelector"])
}
