// Package admission is the admission e2e: a real kube-apiserver calls a real
// OPA server over TLS through the MutatingWebhookConfiguration the
// opa-kube-mgmt chart would render from our generated values, OPA holds our
// generated policy loaded the way kube-mgmt loads it, and the generated
// ValidatingAdmissionPolicy checks the result. Pods are only stored: there
// is no scheduler or kubelet.
package admission

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"supremeraid.dev/supremeraid-fn/e2e/apply"
	"supremeraid.dev/supremeraid-fn/e2e/binaries"
	"supremeraid.dev/supremeraid-fn/e2e/controlplane"
	"supremeraid.dev/supremeraid-fn/e2e/endpoints"
	"supremeraid.dev/supremeraid-fn/e2e/helmchart"
	"supremeraid.dev/supremeraid-fn/e2e/kubemgmt"
	"supremeraid.dev/supremeraid-fn/e2e/opachart"
	"supremeraid.dev/supremeraid-fn/e2e/opaserver"
	"supremeraid.dev/supremeraid-fn/e2e/render"
)

const (
	// webhookEntryName is the chart's single webhook entry (templates/webhookconfiguration.yaml).
	webhookEntryName = "webhook.openpolicyagent.org"
	// configPath is the SupremeRAID config rendered for these tests,
	// relative to the repository root.
	configPath = "e2e/admission/testdata/supremeraid.yaml"
	// chartValuesPath is the chart's own values.yaml (see its PROVENANCE.md).
	chartValuesPath = "../../generators/opa/testdata/chart/values.yaml"
	// sccCRDPath serves the SecurityContextConstraints the tenants family
	// emits (stored only: there is no OpenShift SCC admission here).
	sccCRDPath = "../../generators/internal/crdcheck/testdata/crds/security.openshift.io_securitycontextconstraints.yaml"

	// The team contract's defaults, which the test config keeps.
	podLabel      = "supremeraid.dev/inject"
	containerPath = "/data"
	volumeName    = "supremeraid"

	// Namespaces the tests add: one without any label, one with only the
	// generic OPA label (the webhook needs the tenant label too).
	plainNS       = "plain"
	halfLabelled  = "opa-only"
	webhookLabel  = "openpolicyagent.org/webhook"
	annotationUID = "supremeraid.dev/run-as-user"
	annotationGID = "supremeraid.dev/run-as-group"
	annotationFSG = "supremeraid.dev/fs-group"

	// Bounds on waits for the API server to pick up new admission
	// configuration; guards against hangs, not performance checks.
	settleTimeout = time.Minute
	readyTimeout  = 2 * time.Minute
	image         = "registry.example/app:1"
)

// tenant is one spec.workloads.namespaces entry with the ids its pods get.
type tenant struct {
	Name                         string
	RunAsUser, RunAsGroup, FSGrp int64
	// Dir is the tenant's host directory, <workload mountPath>/<name>.
	Dir string
}

// env is the running system every subtest uses.
type env struct {
	cp      *controlplane.ControlPlane
	kube    kubernetes.Interface
	applier *apply.Applier
	// opa is the first of opas, the OPA replicas; service forwards the
	// webhook's calls to them (endpoints: the chart's Service).
	opa     *opaserver.Server
	opas    []*opaserver.Server
	service *endpoints.Balancer
	values  *opachart.Values
	mgmt    opachart.Mgmt
	// webhookName is the MutatingWebhookConfiguration (the chart's fullname).
	webhookName string
	// vapName and vapBinding name the generated hostPath policy.
	vapName, vapBinding string
	// guardName names the generated namespace squatting guard policy.
	guardName string
	// renderedWebhook is the webhook configuration as helm template
	// rendered it, before the loopback URL and CA bundle (JSON).
	renderedWebhook []byte
	tenants         map[string]tenant
	mountPath       string
	// nodeSelector is the generated node DaemonSet's: the nodes where the
	// volume is mounted, to which opted-in pods must be steered.
	nodeSelector map[string]string
	// baselines are pods as the API server stores them without the
	// webhook (dry-run creates made before it was registered), by
	// namespace/name.
	baselines map[string]*corev1.Pod
	loaded    []kubemgmt.Loaded
}

// testConfig is the part of the SupremeRAID config the tests read.
type testConfig struct {
	Spec struct {
		Raid struct {
			DriveGroups []struct {
				VirtualDrives []struct {
					MountPath string `json:"mountPath"`
				} `json:"virtualDrives"`
			} `json:"driveGroups"`
		} `json:"raid"`
		Workloads struct {
			PodLabel      string `json:"podLabel"`
			ContainerPath string `json:"containerPath"`
			MountPath     string `json:"mountPath"`
			Namespaces    []struct {
				Name       string `json:"name"`
				RunAsUser  int64  `json:"runAsUser"`
				RunAsGroup int64  `json:"runAsGroup"`
				FSGroup    *int64 `json:"fsGroup"`
			} `json:"namespaces"`
		} `json:"workloads"`
	} `json:"spec"`
}

// setup starts everything, in the order an operator installs it: the
// generated manifests (policy ConfigMap, tenant namespaces, hostPath
// policy), then OPA with kube-mgmt's loading, then the chart's webhook.
// basePods(e) are dry-run created before the webhook exists, as baselines.
func setup(tb testing.TB, basePods func(*env) []*corev1.Pod) *env {
	tb.Helper()
	paths := binaries.Require(tb, binaries.SupremeRAIDFn, binaries.OPA, binaries.Helm)
	if paths == nil {
		return nil
	}
	ctx := context.Background()
	began := time.Now()
	e := &env{baselines: map[string]*corev1.Pod{}}
	e.cp = controlplane.ForTest(tb, controlplane.Options{ReadyTimeout: readyTimeout})
	if e.cp == nil {
		return nil
	}
	var err error
	if e.kube, err = kubernetes.NewForConfig(e.cp.Config); err != nil {
		tb.Fatal(err)
	}
	if e.applier, err = apply.NewApplier(e.cp.Config); err != nil {
		tb.Fatal(err)
	}
	root, err := binaries.RepoRoot()
	if err != nil {
		tb.Fatal(err)
	}
	if err := e.readConfig(filepath.Join(root, configPath)); err != nil {
		tb.Fatal(err)
	}

	// The generated manifests.
	out, err := render.Case{Kind: render.Example, Path: configPath}.Render(ctx, root, render.Tools{Fn: paths[0]})
	if err != nil {
		tb.Fatal(err)
	}
	objs, err := apply.Decode(out, configPath)
	if err != nil {
		tb.Fatal(err)
	}
	valuesYAML, install, err := e.pick(objs)
	if err != nil {
		tb.Fatal(err)
	}
	crd, err := os.ReadFile(sccCRDPath)
	if err != nil {
		tb.Fatal(err)
	}
	crds, err := apply.Decode(crd, sccCRDPath)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := e.applier.InstallCRDs(ctx, crds, readyTimeout); err != nil {
		tb.Fatal(err)
	}
	for _, obj := range apply.Order(install) {
		if _, err := e.applier.Apply(ctx, obj); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Logf("applied %d generated objects (opa and tenants families) with strict server-side apply", len(install))
	if err := e.addNamespaces(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := e.checkNamespaceAnnotations(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := e.waitHostPathPolicy(ctx); err != nil {
		tb.Fatal(err)
	}
	for _, p := range basePods(e) {
		got, err := e.create(ctx, p, true)
		if err != nil {
			tb.Fatalf("baseline dry-run of %s/%s without the webhook: %v", p.Namespace, p.Name, err)
		}
		e.baselines[p.Namespace+"/"+p.Name] = got
	}

	// OPA, loaded as kube-mgmt loads it.
	chartDefaults, err := os.ReadFile(chartValuesPath)
	if err != nil {
		tb.Fatal(err)
	}
	if e.values, err = opachart.Load(chartDefaults, valuesYAML); err != nil {
		tb.Fatal(err)
	}
	if e.mgmt, err = opachart.MgmtSettings(e.values, "opa"); err != nil {
		tb.Fatal(err)
	}
	// The real chart, rendered with the generated values.
	rendered, err := helmchart.Template(ctx, paths[2], helmchart.ChartDir(root), "graid-opa", e.mgmt.Namespaces[0], valuesYAML)
	if err != nil {
		tb.Fatal(err)
	}
	pod, podReplicas, err := helmchart.PodSpec(rendered)
	if err != nil {
		tb.Fatal(err)
	}

	// OPA replicas as the chart's Deployment runs them (its replicas, the
	// opa container's arguments, the initpolicy script's bootstrap files),
	// each with its own kube-mgmt, behind a stand-in for the chart's Service.
	replicas := max(int(podReplicas), 1)
	var backends []string
	for i := range replicas {
		srv, err := opaserver.Start(ctx, e.cp, opaserver.Options{Binary: paths[1], Values: e.values, Name: fmt.Sprintf("opa-%d", i), Pod: pod})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Logf("OPA %s replica %d serving TLS at %s, /health after %v", opaserver.Version, i, srv.URL, srv.Ready.Round(time.Millisecond))
		e.opas = append(e.opas, srv)
		backends = append(backends, srv.Addr())
		if err := e.loadPolicy(ctx, tb, srv); err != nil {
			tb.Fatal(err)
		}
	}
	e.opa = e.opas[0]
	if e.service, err = endpoints.Start(backends); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = e.service.Close() })

	// The chart's webhook, as `helm template` of the real chart rendered it
	// from the generated values. Only the route to OPA (a loopback URL for
	// the chart's Service) and the CA bundle (which OpenShift's service CA
	// injects) are the cluster's part.
	webhook, err := helmchart.Find(rendered, "MutatingWebhookConfiguration")
	if err != nil {
		tb.Fatal(err)
	}
	e.renderedWebhook, _ = json.Marshal(webhook)
	if err := helmchart.PointAt(webhook, "https://"+e.service.Addr()+"/", e.opa.CABundle); err != nil {
		tb.Fatal(err)
	}
	e.webhookName = webhook["metadata"].(map[string]any)["name"].(string)
	whObj, err := objectFrom(webhook, "webhook configuration rendered by helm template of the chart")
	if err != nil {
		tb.Fatal(err)
	}
	res, err := e.applier.Apply(ctx, whObj)
	if err != nil {
		tb.Fatal(err)
	}
	if diffs := res.Check(res.Stored); len(diffs) > 0 {
		tb.Fatalf("the API server changed the webhook configuration: %v", diffs)
	}
	whJSON, _ := yaml.Marshal(webhook["webhooks"])
	tb.Logf("registered MutatingWebhookConfiguration %s rendered by helm template:\n%s", e.webhookName, whJSON)
	if err := e.waitWebhook(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("admission e2e ready in %v", time.Since(began).Round(time.Millisecond))
	return e
}

// loadPolicy does for one replica what its kube-mgmt sidecar does: load the
// policy ConfigMaps and replicate namespaces.
func (e *env) loadPolicy(ctx context.Context, tb testing.TB, srv *opaserver.Server) error {
	loaded, err := kubemgmt.LoadConfigMaps(ctx, e.kube, srv, e.mgmt)
	if err != nil {
		return err
	}
	if len(loaded) == 0 {
		return fmt.Errorf("no policy ConfigMap (label %s=%s) in namespaces %v: nothing to load into OPA", opachart.PolicyLabel, opachart.PolicyValue, e.mgmt.Namespaces)
	}
	for _, l := range loaded {
		tb.Logf("kube-mgmt load of ConfigMap %s/%s: %d keys, %d pass(es) (kube-mgmt makes at most %d), status %s",
			l.Namespace, l.Name, len(l.IDs), l.Passes, 1+kubemgmt.DefaultRetries, l.Status)
		// The policy files are named in dependency order, so no key waits for a retry.
		if l.Passes != 1 {
			tb.Errorf("ConfigMap %s/%s needed %d passes to load; its keys must load in one", l.Namespace, l.Name, l.Passes)
		}
	}
	if err := kubemgmt.Failed(loaded); err != nil {
		return fmt.Errorf("the generated policy does not load into OPA the way kube-mgmt loads it: %w", err)
	}
	e.loaded = loaded
	replicated, err := kubemgmt.ReplicateCluster(ctx, e.applier.Dynamic, srv, e.mgmt)
	if err != nil {
		return err
	}
	for _, r := range replicated {
		tb.Logf("replicated into data.%s: %v", r.Path, r.Names)
	}
	return nil
}

// readConfig takes the tenants and the workload mount path from the config.
func (e *env) readConfig(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cfg testConfig // a subset of the config: not strict
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	w := cfg.Spec.Workloads
	if w.PodLabel != "" && w.PodLabel != podLabel || w.ContainerPath != "" && w.ContainerPath != containerPath {
		return fmt.Errorf("%s: the tests expect the default pod label %s and container path %s", path, podLabel, containerPath)
	}
	e.mountPath = w.MountPath
	if e.mountPath == "" {
		if len(cfg.Spec.Raid.DriveGroups) == 0 || len(cfg.Spec.Raid.DriveGroups[0].VirtualDrives) == 0 {
			return fmt.Errorf("%s: no spec.workloads.mountPath and no virtual drive", path)
		}
		e.mountPath = cfg.Spec.Raid.DriveGroups[0].VirtualDrives[0].MountPath
	}
	if len(w.Namespaces) < 2 {
		return fmt.Errorf("%s: the tests need two tenant namespaces", path)
	}
	e.tenants = map[string]tenant{}
	for _, n := range w.Namespaces {
		fsg := n.RunAsGroup
		if n.FSGroup != nil {
			fsg = *n.FSGroup
		}
		e.tenants[n.Name] = tenant{Name: n.Name, RunAsUser: n.RunAsUser, RunAsGroup: n.RunAsGroup, FSGrp: fsg, Dir: e.mountPath + "/" + n.Name}
	}
	return nil
}

// pick returns the chart values (the local-config values ConfigMap, which
// tools do not apply) and the objects to apply: the opa and tenants
// families. The rest of the output is the acceptance e2e's business.
func (e *env) pick(objs []apply.Object) ([]byte, []apply.Object, error) {
	var values []byte
	var install []apply.Object
	for _, o := range objs {
		component := o.GetLabels()["app.kubernetes.io/component"]
		if component == "node" && o.GetKind() == "DaemonSet" {
			sel, found, err := unstructured.NestedStringMap(o.Object, "spec", "template", "spec", "nodeSelector")
			if err != nil || !found || e.nodeSelector != nil {
				return nil, nil, fmt.Errorf("%s: want one node DaemonSet with a nodeSelector (found %v, err %v)", o.ID(), found, err)
			}
			e.nodeSelector = sel
		}
		if component != "opa" && component != "tenants" {
			continue
		}
		if o.GetAnnotations()["config.kubernetes.io/local-config"] == "true" {
			data, _, _ := unstructured.NestedString(o.Object, "data", "values.yaml")
			if o.GetKind() != "ConfigMap" || data == "" {
				return nil, nil, fmt.Errorf("%s: a local-config object that is not the values ConfigMap", o.ID())
			}
			if values != nil {
				return nil, nil, fmt.Errorf("%s: a second values ConfigMap", o.ID())
			}
			values = []byte(data)
			continue
		}
		// The hostPath policy; the namespace squatting guard is the other one.
		if strings.HasSuffix(o.GetName(), "-tenant-hostpath") {
			switch o.GetKind() {
			case "ValidatingAdmissionPolicy":
				e.vapName = o.GetName()
			case "ValidatingAdmissionPolicyBinding":
				e.vapBinding = o.GetName()
			}
		}
		if strings.HasSuffix(o.GetName(), "-tenant-namespaces") && o.GetKind() == "ValidatingAdmissionPolicy" {
			e.guardName = o.GetName()
		}
		install = append(install, o)
	}
	if values == nil || e.vapName == "" || e.vapBinding == "" || e.nodeSelector == nil {
		return nil, nil, fmt.Errorf("%s rendered no chart values ConfigMap, no ValidatingAdmissionPolicy and binding or no node DaemonSet", configPath)
	}
	return values, install, nil
}

// addNamespaces creates the two non-tenant namespaces and the default
// ServiceAccount of every namespace a test pod goes to. The ServiceAccount
// admission plugin (enabled, as in every cluster) refuses pods whose
// ServiceAccount does not exist, and there is no controller-manager here to
// create the default ones.
func (e *env) addNamespaces(ctx context.Context) error {
	extra := []*corev1.Namespace{
		{ObjectMeta: metav1.ObjectMeta{Name: plainNS}},
		// Labelled like a tenant of an earlier release (and like a generic OPA
		// namespace), but not a configured tenant: labels select nothing.
		{ObjectMeta: metav1.ObjectMeta{Name: halfLabelled, Labels: map[string]string{webhookLabel: "enabled", "supremeraid.dev/tenant": "true"}}},
	}
	for _, ns := range extra {
		if _, err := e.kube.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating namespace %s: %w", ns.Name, err)
		}
	}
	nss := []string{plainNS, halfLabelled, metav1.NamespaceSystem}
	for name := range e.tenants {
		nss = append(nss, name)
	}
	for _, ns := range nss {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}}
		if _, err := e.kube.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating ServiceAccount %s/default: %w", ns, err)
		}
	}
	return nil
}

// checkNamespaceAnnotations makes sure each stored tenant Namespace carries
// the ids of its config entry; the tests then take the ids from the
// annotations, as the policy does.
func (e *env) checkNamespaceAnnotations(ctx context.Context) error {
	for name, want := range e.tenants {
		ns, err := e.kube.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("tenant namespace %s: %w", name, err)
		}
		got := map[string]string{}
		for _, k := range []string{annotationUID, annotationGID, annotationFSG} {
			got[k] = ns.Annotations[k]
		}
		exp := map[string]string{
			annotationUID: strconv.FormatInt(want.RunAsUser, 10),
			annotationGID: strconv.FormatInt(want.RunAsGroup, 10),
			annotationFSG: strconv.FormatInt(want.FSGrp, 10),
		}
		for k, v := range exp {
			if got[k] != v {
				return fmt.Errorf("namespace %s: annotation %s is %q, the config says %q", name, k, got[k], v)
			}
		}
	}
	return nil
}

// waitHostPathPolicy waits until the API server enforces the generated
// ValidatingAdmissionPolicy (its informers pick it up asynchronously): a
// dry-run pod mounting /etc in a tenant namespace is refused by it.
func (e *env) waitHostPathPolicy(ctx context.Context) error {
	probe := newPod(anyTenant(e), "probe-vap", nil, withHostPath("etc", "/etc", corev1.HostPathDirectory))
	var last error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, settleTimeout, true, func(ctx context.Context) (bool, error) {
		_, last = e.create(ctx, probe, true)
		return last != nil && e.deniedByVAP(last), nil
	})
	if err != nil {
		return fmt.Errorf("ValidatingAdmissionPolicy %s not enforced after %v (last answer: %v)", e.vapName, settleTimeout, last)
	}
	return nil
}

// waitWebhook waits until the API server calls the new webhook: a dry-run
// opted-in pod comes back with the volume.
func (e *env) waitWebhook(ctx context.Context) error {
	probe := newPod(anyTenant(e), "probe-webhook", optIn())
	var last error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, settleTimeout, true, func(ctx context.Context) (bool, error) {
		var got *corev1.Pod
		got, last = e.create(ctx, probe, true)
		return last == nil && findVolume(got, volumeName) != nil, nil
	})
	if err != nil {
		return fmt.Errorf("webhook %s not in effect after %v (last error: %v)", e.webhookName, settleTimeout, last)
	}
	return nil
}

// anyTenant is the alphabetically first tenant namespace.
func anyTenant(e *env) string {
	first := ""
	for name := range e.tenants {
		if first == "" || name < first {
			first = name
		}
	}
	return first
}

// create creates p (or validates it with dryRun=All) and returns what the
// API server stored (or would store).
func (e *env) create(ctx context.Context, p *corev1.Pod, dryRun bool) (*corev1.Pod, error) {
	opts := metav1.CreateOptions{}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return e.kube.CoreV1().Pods(p.Namespace).Create(ctx, p.DeepCopy(), opts)
}

// deniedByVAP reports whether err is the generated policy's denial.
func (e *env) deniedByVAP(err error) bool {
	want := fmt.Sprintf("ValidatingAdmissionPolicy '%s' with binding '%s' denied request", e.vapName, e.vapBinding)
	return apierrors.IsForbidden(err) && strings.Contains(err.Error(), want)
}

// callsSince returns how many default decisions OPA served since before.
// OPA records a request in its metrics just after answering it, so a count
// that is still below want is read again for a moment; the wait bounds a
// race, it is not a timing check.
func (e *env) callsSince(tb testing.TB, before opaserver.DecisionStats, want int64) opaserver.DecisionStats {
	tb.Helper()
	d := e.decisions(tb).Sub(before)
	for deadline := time.Now().Add(2 * time.Second); d.Calls < want && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		d = e.decisions(tb).Sub(before)
	}
	return d
}

// decisions reads OPA's count of default-decision requests.
func (e *env) decisions(tb testing.TB) opaserver.DecisionStats {
	tb.Helper()
	var sum opaserver.DecisionStats
	for _, o := range e.opas {
		if !o.Running() {
			continue
		}
		st, err := o.Decisions(context.Background())
		if err != nil {
			tb.Fatalf("reading OPA's metrics: %v", err)
		}
		sum.Calls += st.Calls
		sum.Seconds += st.Seconds
	}
	return sum
}

// objectFrom turns an object map into an apply.Object (request body = its
// JSON).
func objectFrom(obj map[string]any, source string) (apply.Object, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return apply.Object{}, fmt.Errorf("%s: %w", source, err)
	}
	objs, err := apply.Decode(data, source)
	if err != nil {
		return apply.Object{}, err
	}
	if len(objs) != 1 {
		return apply.Object{}, fmt.Errorf("%s: %d objects, want 1", source, len(objs))
	}
	return objs[0], nil
}
