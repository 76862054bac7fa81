package opaserver

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

func TestFromPod(t *testing.T) {
	dir := t.TempDir()
	s := serving{CertFile: filepath.Join(dir, "tls.crt"), KeyFile: filepath.Join(dir, "tls.key"), BootstrapDir: filepath.Join(dir, "bootstrap"),
		Mounts: map[string]string{"/serving-cert": filepath.Join(dir, "m0")}}
	require.NoError(t, os.MkdirAll(s.BootstrapDir, 0o700))
	pod := &corev1.PodSpec{
		InitContainers: []corev1.Container{{Name: "initpolicy", Command: []string{"/bin/sh", "-c", "echo TOKEN123 > /bootstrap/mgmt-token\ncat > /bootstrap/p.rego <<EOF\npackage x\nEOF\n"}}},
		Containers: []corev1.Container{{Name: "opa",
			Args:         []string{"run", "--server", "--tls-cert-file=/certs/tls.crt", "--addr=0.0.0.0:8181", "/bootstrap", "--tls-cert-file=/serving-cert/tls.crt", "--log-level=info"},
			VolumeMounts: []corev1.VolumeMount{{Name: "certs", MountPath: "/certs"}, {Name: "bootstrap", MountPath: "/bootstrap"}, {Name: "serving-cert", MountPath: "/serving-cert"}}}},
	}
	token, argsFor, err := fromPod(context.Background(), pod, s)
	require.NoError(t, err)
	assert.Equal(t, "TOKEN123", token, "the init script's token is what kube-mgmt presents")
	assert.FileExists(t, filepath.Join(s.BootstrapDir, "p.rego"))
	args, err := argsFor("127.0.0.1:1234")
	require.NoError(t, err)
	assert.Equal(t, []string{"run", "--server", "--tls-cert-file=" + dir + "/tls.crt", "--addr=127.0.0.1:1234", s.BootstrapDir,
		"--tls-cert-file=" + dir + "/m0/tls.crt", "--log-level=info"}, args)

	pod.Containers[0].VolumeMounts = append(pod.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "config", MountPath: "/config"})
	_, _, err = fromPod(context.Background(), pod, s)
	assert.ErrorContains(t, err, "no stand-in for it")
}
