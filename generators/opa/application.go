package opa

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// The Argo CD types below are the few fields of argoproj.io/v1alpha1
// Application this project sets, with the JSON names of
// github.com/argoproj/argo-cd pkg/apis/application/v1alpha1 (not imported:
// its module would pull a Kubernetes fork into this one).

// Application is an Argo CD Application.
type Application struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ApplicationSpec `json:"spec"`
}

// ApplicationSpec is the part of the upstream ApplicationSpec used here.
type ApplicationSpec struct {
	Project           string                      `json:"project"`
	Source            ApplicationSource           `json:"source"`
	Destination       ApplicationDestination      `json:"destination"`
	SyncPolicy        *SyncPolicy                 `json:"syncPolicy,omitempty"`
	IgnoreDifferences []ResourceIgnoreDifferences `json:"ignoreDifferences,omitempty"`
}

// ApplicationSource points at a Helm chart in a chart repository.
type ApplicationSource struct {
	RepoURL        string                 `json:"repoURL"`
	Chart          string                 `json:"chart,omitempty"`
	TargetRevision string                 `json:"targetRevision,omitempty"`
	Helm           *ApplicationSourceHelm `json:"helm,omitempty"`
}

// ApplicationSourceHelm holds the release name and the values. Upstream
// types valuesObject as a RawExtension; here it is the typed values.
type ApplicationSourceHelm struct {
	ReleaseName  string  `json:"releaseName,omitempty"`
	ValuesObject *Values `json:"valuesObject,omitempty"`
}

// ApplicationDestination is the cluster and namespace the chart goes to.
type ApplicationDestination struct {
	Server    string `json:"server,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

// SyncPolicy controls when and how a sync is performed.
type SyncPolicy struct {
	Automated   *SyncPolicyAutomated `json:"automated,omitempty"`
	SyncOptions []string             `json:"syncOptions,omitempty"`
}

// SyncPolicyAutomated turns on automatic sync.
type SyncPolicyAutomated struct {
	Prune    bool `json:"prune,omitempty"`
	SelfHeal bool `json:"selfHeal,omitempty"`
}

// ResourceIgnoreDifferences excludes fields of matching objects from the
// comparison with the desired state.
type ResourceIgnoreDifferences struct {
	Group        string   `json:"group,omitempty"`
	Kind         string   `json:"kind"`
	Name         string   `json:"name,omitempty"`
	Namespace    string   `json:"namespace,omitempty"`
	JSONPointers []string `json:"jsonPointers,omitempty"`
}

// InClusterServer is Argo CD's name for the cluster it runs in.
const InClusterServer = "https://kubernetes.default.svc"

// ArgoCDResourcesFinalizer makes deleting the Application delete the
// chart's objects. Without it a fail-closed webhook would be left behind,
// pointing at a Service that no longer exists.
const ArgoCDResourcesFinalizer = "resources-finalizer.argocd.argoproj.io"

// ArgoCDApplication installs the chart with the generated values (spec.opa.install
// argocd). It is applied last (admission wave), after the tenant namespaces
// and the policy ConfigMap exist.
func ArgoCDApplication(cfg *config.SupremeRAID) *Application {
	o := &cfg.Spec.OPA
	values := ValuesFor(cfg)
	om := meta.Object(cfg, ReleaseName(cfg), o.ArgoCD.Namespace, Component, meta.WaveAdmission)
	om.Finalizers = []string{ArgoCDResourcesFinalizer}
	full := FullName(cfg)
	return &Application{
		TypeMeta:   metav1.TypeMeta{APIVersion: "argoproj.io/v1alpha1", Kind: "Application"},
		ObjectMeta: om,
		Spec: ApplicationSpec{
			Project: o.ArgoCD.Project,
			Source: ApplicationSource{
				RepoURL:        o.ArgoCD.RepoURL,
				Chart:          ChartName,
				TargetRevision: o.ArgoCD.ChartVersion,
				Helm:           &ApplicationSourceHelm{ReleaseName: ReleaseName(cfg), ValuesObject: &values},
			},
			Destination: ApplicationDestination{Server: InClusterServer, Namespace: o.Namespace},
			SyncPolicy: &SyncPolicy{
				Automated: &SyncPolicyAutomated{Prune: true, SelfHeal: true},
				// RespectIgnoreDifferences: a sync keeps the live values of
				// the ignored fields instead of writing a new certificate.
				SyncOptions: []string{"CreateNamespace=true", "RespectIgnoreDifferences=true"},
			},
			// The CA bundle of the webhook configuration is written by
			// OpenShift's service CA (inject-cabundle, see ValuesFor), not by
			// the chart, so Argo CD must neither report it as drift nor
			// blank it on sync. Nothing else needs ignoring: without
			// generateCerts the chart renders the same objects every time,
			// so the Deployment's checksum/webhookconfiguration annotation
			// (chart 11.x; there is no checksum/certs) stays put as well.
			IgnoreDifferences: []ResourceIgnoreDifferences{
				{Group: "admissionregistration.k8s.io", Kind: "MutatingWebhookConfiguration", Name: full,
					JSONPointers: []string{"/webhooks/0/clientConfig/caBundle"}},
			},
		},
	}
}
