package node

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"

	buildv1 "github.com/openshift/api/build/v1"
	imagev1 "github.com/openshift/api/image/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
	"supremeraid.dev/supremeraid-fn/kmod"
)

// Why a build of our own: graid_server and graidctl do not depend on the kernel, but the kmod
// image KMM builds is tagged per kernel (${KERNEL_FULL_VERSION}), which a DaemonSet cannot
// template. The userspace cannot ship in a public image either (it comes from the customer's
// installer), so an OpenShift build extracts it from the same installer, with the same sha256
// check and kmod/build.sh's own unpacking functions, into one kernel-independent node image.

//go:embed Dockerfile.tmpl
var dockerfileTemplate string

//go:embed userspace.sh
var userspaceScript string

var dockerfileTmpl = template.Must(template.New("Dockerfile").Option("missingkey=error").Parse(dockerfileTemplate))

// Build context files (keys of the build ConfigMap).
const (
	BuildScriptKey     = "build.sh"
	UserspaceScriptKey = "userspace.sh"
	// tagHashLen hex digits of the build-input hash name the BuildConfig and tag the image.
	tagHashLen = 10
)

// Build arguments of the node image Dockerfile.
const (
	ArgAgentImage       = "AGENT_IMAGE"
	ArgDriverVersion    = kmod.ArgDriverVersion
	ArgInstallerSHA256  = kmod.ArgInstallerSHA256
	ArgInstallerURL     = kmod.ArgInstallerURL
	ArgInstallerSecret  = kmod.ArgInstallerSecret
	ArgInstallerImage   = kmod.ArgInstallerImage
	ArgInstallerFile    = kmod.ArgInstallerFile
	ArgBuilderImage     = "BUILDER_IMAGE"
	ArgBaseImage        = "BASE_IMAGE"
	secretsDir          = "/run/secrets" // kmod/build.sh's SECRETS_DIR default
	credentialsVolume   = "installer-credentials"
	buildHistoryToKeep  = int32(2)
	failedBuildsToKeep  = int32(3)
	imageStreamTagKind  = "ImageStreamTag"
	dockerImageKind     = "DockerImage"
	internalRegistryDir = config.InternalRegistry + "/"
)

// Image is the node image build: its objects and the pull spec the DaemonSet runs.
type Image struct {
	ConfigMap   *corev1.ConfigMap
	ImageStream *imagev1.ImageStream // nil unless the image goes to the internal registry
	BuildConfig *buildv1.BuildConfig
	// Ref is repository:tag; the tag is the driver version and a hash of every build input, so a
	// changed input is a new BuildConfig (OpenShift starts a ConfigChange build only when a
	// BuildConfig is created) and a new tag that rolls the DaemonSet.
	Ref string
}

// Dockerfile renders the node image Dockerfile for the config's installer source.
func Dockerfile(cfg *config.SupremeRAID) (string, error) {
	var b strings.Builder
	err := dockerfileTmpl.Execute(&b, struct{ FromImage bool }{cfg.Spec.Driver.Installer.Image != ""})
	if err != nil {
		return "", fmt.Errorf("rendering the node image Dockerfile: %w", err)
	}
	return b.String(), nil
}

// UserspaceScript returns the script the build runs (it sources kmod's build.sh).
func UserspaceScript() string { return userspaceScript }

// BuildArgs are the Dockerfile's build arguments for the config, in a fixed order.
func BuildArgs(cfg *config.SupremeRAID) []corev1.EnvVar {
	d := &cfg.Spec.Driver
	args := []corev1.EnvVar{
		{Name: ArgAgentImage, Value: cfg.Spec.Node.Image},
		{Name: ArgDriverVersion, Value: d.Version},
		{Name: ArgInstallerSHA256, Value: d.Installer.SHA256},
	}
	if d.Installer.Image != "" {
		return append(args,
			corev1.EnvVar{Name: ArgInstallerImage, Value: d.Installer.Image},
			corev1.EnvVar{Name: ArgInstallerFile, Value: d.Installer.Path})
	}
	args = append(args, corev1.EnvVar{Name: ArgInstallerURL, Value: d.Installer.URL})
	if s := d.Installer.CredentialsSecret; s != "" {
		args = append(args, corev1.EnvVar{Name: ArgInstallerSecret, Value: s})
	}
	return args
}

// imageStreamName is the ImageStream the build pushes to when the repository is the internal
// registry in spec.namespace; "" means push to the repository as a plain registry.
func imageStreamName(cfg *config.SupremeRAID) string {
	rest, ok := strings.CutPrefix(cfg.Spec.Node.ImageRepository, internalRegistryDir+cfg.Spec.Namespace+"/")
	if !ok || strings.Contains(rest, "/") {
		return ""
	}
	return rest
}

// NodeImage returns the build of the node image.
func NodeImage(cfg *config.SupremeRAID) (*Image, error) {
	dockerfile, err := Dockerfile(cfg)
	if err != nil {
		return nil, err
	}
	ns := cfg.Spec.Namespace
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta.Object(cfg, BuildConfigMapName(cfg), ns, Component, meta.WaveFoundation),
		Data: map[string]string{
			BuildScriptKey:     string(kmod.BuildScript()),
			UserspaceScriptKey: userspaceScript,
		},
	}
	spec := buildv1.BuildConfigSpec{
		RunPolicy:                    buildv1.BuildRunPolicySerial,
		Triggers:                     []buildv1.BuildTriggerPolicy{{Type: buildv1.ConfigChangeBuildTriggerType}},
		SuccessfulBuildsHistoryLimit: ptr.To(buildHistoryToKeep),
		FailedBuildsHistoryLimit:     ptr.To(failedBuildsToKeep),
		CommonSpec: buildv1.CommonSpec{
			Source: buildv1.BuildSource{
				Type:       buildv1.BuildSourceDockerfile,
				Dockerfile: &dockerfile,
				ConfigMaps: []buildv1.ConfigMapBuildSource{{ConfigMap: corev1.LocalObjectReference{Name: cm.Name}}},
			},
			Strategy: buildv1.BuildStrategy{
				Type:           buildv1.DockerBuildStrategyType,
				DockerStrategy: &buildv1.DockerBuildStrategy{BuildArgs: BuildArgs(cfg)},
			},
		},
	}
	d := &cfg.Spec.Driver
	if s := d.ImageRepoSecret; s != "" {
		// Pulls the agent and installer images from a private registry, as KMM's build does.
		spec.Strategy.DockerStrategy.PullSecret = &corev1.LocalObjectReference{Name: s}
	}
	if s := d.Installer.CredentialsSecret; s != "" {
		// A build volume is mounted only while RUN steps execute and never lands in a layer,
		// unlike source secrets, which a Docker build must COPY.
		spec.Strategy.DockerStrategy.Volumes = []buildv1.BuildVolume{{
			Name: credentialsVolume,
			Source: buildv1.BuildVolumeSource{
				Type:   buildv1.BuildVolumeSourceTypeSecret,
				Secret: &corev1.SecretVolumeSource{SecretName: s},
			},
			Mounts: []buildv1.BuildVolumeMount{{DestinationPath: secretsDir + "/" + s}},
		}}
	}
	tag, err := imageTag(cfg, spec, cm.Data)
	if err != nil {
		return nil, err
	}
	img := &Image{ConfigMap: cm, Ref: cfg.Spec.Node.ImageRepository + ":" + tag}
	if is := imageStreamName(cfg); is != "" {
		img.ImageStream = &imagev1.ImageStream{
			TypeMeta:   metav1.TypeMeta{APIVersion: "image.openshift.io/v1", Kind: "ImageStream"},
			ObjectMeta: meta.Object(cfg, is, ns, Component, meta.WaveFoundation),
		}
		spec.Output.To = &corev1.ObjectReference{Kind: imageStreamTagKind, Name: is + ":" + tag}
	} else {
		spec.Output.To = &corev1.ObjectReference{Kind: dockerImageKind, Name: img.Ref}
		if s := d.ImageRepoSecret; s != "" {
			spec.Output.PushSecret = &corev1.LocalObjectReference{Name: s}
		}
	}
	img.BuildConfig = &buildv1.BuildConfig{
		TypeMeta:   metav1.TypeMeta{APIVersion: "build.openshift.io/v1", Kind: "BuildConfig"},
		ObjectMeta: meta.Object(cfg, meta.Name(cfg, "node-"+tag[len(tag)-tagHashLen:]), ns, Component, meta.WaveOperands),
		Spec:       spec,
	}
	return img, nil
}

// imageTag is <driver version>-<hash>, the hash covering the build spec (Dockerfile, build args,
// secrets) and the build context, so equal inputs give an equal tag on every run.
func imageTag(cfg *config.SupremeRAID, spec buildv1.BuildConfigSpec, context map[string]string) (string, error) {
	b, err := json.Marshal(spec)
	if err != nil {
		return "", fmt.Errorf("hashing the build inputs: %w", err)
	}
	h := sha256.New()
	h.Write(b)
	h.Write([]byte(DataHash(context)))
	return cfg.Spec.Driver.Version + "-" + hex.EncodeToString(h.Sum(nil))[:tagHashLen], nil
}
