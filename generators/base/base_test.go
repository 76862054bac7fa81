package base_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"supremeraid.dev/supremeraid-fn/generators/base"
	"supremeraid.dev/supremeraid-fn/generators/config"
)

func cfg(mutate func(*config.SupremeRAID)) *config.SupremeRAID {
	c := &config.SupremeRAID{}
	c.Name = "graid"
	if mutate != nil {
		mutate(c)
	}
	c.Default()
	return c
}

func TestGenerate(t *testing.T) {
	cases := map[string]struct {
		reason string
		cfg    *config.SupremeRAID
		check  func(t *testing.T, objs []any)
	}{
		"order and names": {
			reason: "Namespace, the two ServiceAccounts, then their bindings, in that order",
			cfg:    cfg(nil),
			check: func(t *testing.T, objs []any) {
				want := []string{"Namespace/supremeraid", "ServiceAccount/graid-kmm", "ServiceAccount/graid-node",
					"RoleBinding/graid-kmm-privileged-scc", "RoleBinding/graid-node-privileged-scc"}
				if len(objs) != len(want) {
					t.Fatalf("got %d objects, want %d", len(objs), len(want))
				}
				for i, o := range objs {
					if got := id(o); got != want[i] {
						t.Errorf("object %d is %s, want %s", i, got, want[i])
					}
				}
			},
		},
		"privileged SCC only for our accounts": {
			reason: "each binding names exactly one of our ServiceAccounts, never default, and the privileged SCC role",
			cfg:    cfg(func(c *config.SupremeRAID) { c.Spec.Namespace = "storage" }),
			check: func(t *testing.T, objs []any) {
				n := 0
				for _, o := range objs {
					rb, ok := o.(*rbacv1.RoleBinding)
					if !ok {
						continue
					}
					n++
					if rb.RoleRef.Name != base.PrivilegedSCCClusterRole || rb.RoleRef.Kind != "ClusterRole" {
						t.Errorf("%s binds %v", rb.Name, rb.RoleRef)
					}
					if len(rb.Subjects) != 1 || rb.Subjects[0].Kind != "ServiceAccount" || rb.Subjects[0].Name == "default" ||
						rb.Subjects[0].Namespace != "storage" || rb.Namespace != "storage" {
						t.Errorf("%s subjects %v in %s", rb.Name, rb.Subjects, rb.Namespace)
					}
				}
				if n != 2 {
					t.Errorf("%d RoleBindings, want 2", n)
				}
			},
		},
		"namespace admits privileged pods": {
			reason: "Pod Security must enforce privileged and OpenShift's label sync must not lower it",
			cfg:    cfg(nil),
			check: func(t *testing.T, objs []any) {
				ns := objs[0].(*corev1.Namespace)
				for k, v := range map[string]string{
					"pod-security.kubernetes.io/enforce":             "privileged",
					"security.openshift.io/scc.podSecurityLabelSync": "false",
					"app.kubernetes.io/managed-by":                   "supremeraid-fn",
					"app.kubernetes.io/part-of":                      "graid",
					"app.kubernetes.io/component":                    "base",
				} {
					if ns.Labels[k] != v {
						t.Errorf("label %s = %q, want %q", k, ns.Labels[k], v)
					}
				}
				if _, ok := ns.Annotations["argocd.argoproj.io/sync-wave"]; ok {
					t.Error("sync wave set although spec.argocd.syncWaves is false")
				}
			},
		},
		"sync waves": {
			reason: "with syncWaves, foundation objects go first (wave -2)",
			cfg:    cfg(func(c *config.SupremeRAID) { c.Spec.ArgoCD.SyncWaves = true }),
			check: func(t *testing.T, objs []any) {
				for _, o := range objs {
					if w := annotations(o)["argocd.argoproj.io/sync-wave"]; w != "-2" {
						t.Errorf("%s has sync wave %q, want -2", id(o), w)
					}
				}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := base.Generate(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(tc.reason)
			tc.check(t, objs)
		})
	}
}

func id(o any) string {
	switch v := o.(type) {
	case *corev1.Namespace:
		return "Namespace/" + v.Name
	case *corev1.ServiceAccount:
		return "ServiceAccount/" + v.Name
	case *rbacv1.RoleBinding:
		return "RoleBinding/" + v.Name
	}
	return "?"
}

func annotations(o any) map[string]string {
	switch v := o.(type) {
	case *corev1.Namespace:
		return v.Annotations
	case *corev1.ServiceAccount:
		return v.Annotations
	case *rbacv1.RoleBinding:
		return v.Annotations
	}
	return nil
}
