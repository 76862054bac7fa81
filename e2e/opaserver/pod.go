package opaserver

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// serving is where the harness runs OPA and what it gives it in place of the pod's volumes.
type serving struct {
	// CertFile and KeyFile: the serving certificate (in place of the chart's
	// certificate Secret, mounted at /certs).
	CertFile, KeyFile string
	// BootstrapDir stands in for the chart's /bootstrap emptyDir.
	BootstrapDir string
	// Mounts maps other mount paths of the opa container (the extra volumes:
	// OpenShift's service CA Secret) to harness directories.
	Mounts map[string]string
}

// fromPod prepares OPA as the chart's pod runs it: the initpolicy init container's script is
// run with sh (it writes the bootstrap policies and kube-mgmt's token into /bootstrap), and the
// opa container's arguments are taken as rendered, with every path below one of the
// container's volume mounts moved to the harness directory standing in for that volume, and
// --addr moved to the harness's loopback address. Volumes the harness cannot stand in for are
// errors.
func fromPod(ctx context.Context, pod *corev1.PodSpec, s serving) (string, func(addr string) ([]string, error), error) {
	var opa, initpolicy *corev1.Container
	for i := range pod.Containers {
		if pod.Containers[i].Name == "opa" {
			opa = &pod.Containers[i]
		}
	}
	for i := range pod.InitContainers {
		if pod.InitContainers[i].Name == "initpolicy" {
			initpolicy = &pod.InitContainers[i]
		}
	}
	if opa == nil {
		return "", nil, fmt.Errorf("the rendered pod has no opa container")
	}
	// Pod paths to harness directories: the chart's certificate Secret and the extra volumes
	// (the service CA's Secret) hold the harness's serving certificate; /bootstrap is the
	// bootstrap directory.
	mounts := map[string]string{}
	for _, m := range opa.VolumeMounts {
		switch {
		case m.MountPath == "/bootstrap":
			mounts[m.MountPath] = s.BootstrapDir
		case m.MountPath == "/certs":
			mounts[m.MountPath] = filepath.Dir(s.CertFile)
		case s.Mounts[m.MountPath] != "":
			mounts[m.MountPath] = s.Mounts[m.MountPath]
		default:
			return "", nil, fmt.Errorf("opa container mount %s (%s): the harness has no stand-in for it", m.Name, m.MountPath)
		}
	}
	token := ""
	if initpolicy != nil {
		if len(initpolicy.Command) != 3 || initpolicy.Command[0] != "/bin/sh" || initpolicy.Command[1] != "-c" {
			return "", nil, fmt.Errorf("initpolicy command %q: want /bin/sh -c <script>", initpolicy.Command)
		}
		script := strings.ReplaceAll(initpolicy.Command[2], "/bootstrap/", s.BootstrapDir+"/")
		cmd := exec.CommandContext(ctx, "sh", "-c", script)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return "", nil, fmt.Errorf("running the chart's initpolicy script: %w: %s", err, stderr.String())
		}
		b, err := os.ReadFile(filepath.Join(s.BootstrapDir, "mgmt-token"))
		if err != nil {
			return "", nil, fmt.Errorf("the initpolicy script wrote no mgmt-token: %w", err)
		}
		token = strings.TrimSpace(string(b))
		// mgmt-token is not a policy: OPA loads only the .rego files of the directory.
	}
	// Longest mount path first, so /a/b wins over /a.
	paths := make([]string, 0, len(mounts))
	for p := range mounts {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool { return len(paths[i]) > len(paths[j]) })
	move := func(v string) string {
		for _, p := range paths {
			if v == p {
				return mounts[p]
			}
			if rest, ok := strings.CutPrefix(v, p+"/"); ok {
				return filepath.Join(mounts[p], rest)
			}
		}
		return v
	}
	argsFor := func(addr string) ([]string, error) {
		args := make([]string, 0, len(opa.Args))
		sawAddr := false
		for _, a := range opa.Args {
			if strings.HasPrefix(a, "--addr=") {
				args = append(args, "--addr="+addr)
				sawAddr = true
				continue
			}
			if name, value, ok := strings.Cut(a, "="); ok && strings.HasPrefix(name, "--") {
				args = append(args, name+"="+move(value))
				continue
			}
			args = append(args, move(a))
		}
		if !sawAddr {
			return nil, fmt.Errorf("the opa container has no --addr argument")
		}
		return args, nil
	}
	return token, argsFor, nil
}
