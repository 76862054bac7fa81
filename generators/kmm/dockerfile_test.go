package kmm_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/crdcheck"
	"supremeraid.dev/supremeraid-fn/generators/meta"
	"supremeraid.dev/supremeraid-fn/kmod"
)

// TestDockerfileConfigMap checks that the ConfigMap carries exactly the text package kmod
// renders (and tests) for the config's installer source.
func TestDockerfileConfigMap(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
		src    kmod.InstallerSource
	}{
		"url":   {reason: "a URL installer gets the download recipe", src: kmod.InstallerFromURL},
		"image": {reason: "an image installer gets the recipe with the installer stage", mutate: imageInstaller, src: kmod.InstallerFromImage},
		"sync waves and another name": {
			reason: "the name follows metadata.name and the ConfigMap is in the foundation wave, before the Module",
			mutate: func(c *config.SupremeRAID) {
				c.Name = "storage"
				c.Spec.Namespace = "graid-system"
				c.Spec.ArgoCD.SyncWaves = true
			},
			src: kmod.InstallerFromURL,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t, tc.mutate)
			mod, objs := generate(t, cfg)
			cm, ok := objs[0].(*corev1.ConfigMap)
			if !ok {
				t.Fatalf("first object is %T, want the Dockerfile ConfigMap (%s)", objs[0], tc.reason)
			}
			want, err := kmod.Dockerfile(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if got := cm.Data["dockerfile"]; got != want {
				t.Errorf("ConfigMap dockerfile is not kmod.Dockerfile(%s) (%s)", tc.src, tc.reason)
			}
			other := kmod.InstallerFromImage
			if tc.src == other {
				other = kmod.InstallerFromURL
			}
			if wrong, _ := kmod.Dockerfile(other); cm.Data["dockerfile"] == wrong {
				t.Errorf("ConfigMap holds the %s recipe (%s)", other, tc.reason)
			}
			if len(cm.Data) != 1 || len(cm.BinaryData) != 0 {
				t.Errorf("ConfigMap has keys besides dockerfile: %v", cm.Data)
			}
			if cm.Name != cfg.Name+"-kmod-dockerfile" || cm.Namespace != cfg.Spec.Namespace {
				t.Errorf("ConfigMap is %s/%s, want %s/%s-kmod-dockerfile", cm.Namespace, cm.Name, cfg.Spec.Namespace, cfg.Name)
			}
			if ref := mod.Spec.ModuleLoader.Container.KernelMappings[0].Build.DockerfileConfigMap.Name; ref != cm.Name {
				t.Errorf("Module builds from ConfigMap %q, generated %q", ref, cm.Name)
			}
			if cm.Labels[meta.LabelComponent] != "kmm" || cm.Labels[meta.LabelPartOf] != cfg.Name || cm.Labels[meta.LabelManagedBy] != meta.ManagedBy {
				t.Errorf("ConfigMap labels = %v", cm.Labels)
			}
			if cfg.Spec.ArgoCD.SyncWaves {
				if cm.Annotations[meta.SyncWaveKey] != "-2" || mod.Annotations[meta.SyncWaveKey] != "0" {
					t.Errorf("sync waves: ConfigMap %q, Module %q; want -2 (foundation) and 0 (operands)",
						cm.Annotations[meta.SyncWaveKey], mod.Annotations[meta.SyncWaveKey])
				}
			} else if len(cm.Annotations)+len(mod.Annotations) != 0 {
				t.Errorf("annotations without sync waves: %v %v", cm.Annotations, mod.Annotations)
			}
			crdcheck.Validate(t, crdFile, mod)
		})
	}
}
