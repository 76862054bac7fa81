package opachart

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Serving is where the harness runs OPA and what it gives it.
type Serving struct {
	// Addr is host:port to listen on (the chart: 0.0.0.0:<port>). With TLS
	// files and no scheme, OPA serves HTTPS there.
	Addr string
	// CertFile and KeyFile: the serving certificate (the chart mounts its
	// generated Secret at /certs).
	CertFile, KeyFile string
	// BootstrapDir holds the files of BootstrapFiles (the chart's /bootstrap
	// emptyDir, written by its initpolicy init container).
	BootstrapDir string
	// Mounts maps each extraVolumeMounts path of the pod to the harness
	// directory that stands in for it; extraArgs naming a file below a
	// mount path are rewritten to the directory.
	Mounts map[string]string
}

// OPAArgs returns the arguments of the chart's opa container
// (templates/deployment.yaml, container "opa", args) for v, with the
// harness's address, certificate files and bootstrap directory in place of
// the pod's. Chart features the harness does not run (an OPA config file,
// the Prometheus diagnostic port) are errors, not silently left out.
func OPAArgs(v *Values, s Serving) ([]string, error) {
	var errs []error
	if truthy(v.lookup("opa")) {
		errs = append(errs, errors.New("opa (an OPA configuration file) is set: not supported by the harness"))
	}
	if v.Prometheus.Enabled {
		errs = append(errs, errors.New("prometheus.enabled is true: the diagnostic port is not supported by the harness"))
	}
	if s.Addr == "" || (v.UseHTTPS && (s.CertFile == "" || s.KeyFile == "")) {
		errs = append(errs, errors.New("serving address and, with useHttps, certificate and key files are required"))
	}
	bootstrap := v.Authz.Enabled || len(v.BootstrapPolicies) > 0
	if bootstrap && s.BootstrapDir == "" {
		errs = append(errs, errors.New("authz or bootstrapPolicies need a bootstrap directory"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("chart values: %w", errors.Join(errs...))
	}
	args := []string{"run", "--server"}
	if v.UseHTTPS {
		args = append(args, "--tls-cert-file="+s.CertFile, "--tls-private-key-file="+s.KeyFile)
	}
	args = append(args, "--addr="+s.Addr, "--log-level="+v.LogLevel, "--log-format="+v.LogFormat)
	if v.Authz.Enabled {
		args = append(args, "--authentication=token", "--authorization=basic", "--ignore=.*")
	}
	if bootstrap {
		args = append(args, s.BootstrapDir)
	}
	extra := make([]string, len(v.ExtraArgs))
	for i, a := range v.ExtraArgs {
		extra[i] = a
		for _, m := range v.ExtraVolumeMounts {
			dir, ok := s.Mounts[m.MountPath]
			if !ok {
				return nil, fmt.Errorf("chart values: extraVolumeMounts %s (%s): the harness has no directory for it", m.Name, m.MountPath)
			}
			if name, value, found := strings.Cut(a, "="); found && strings.HasPrefix(value, m.MountPath+"/") {
				extra[i] = name + "=" + dir + strings.TrimPrefix(value, m.MountPath)
			}
		}
	}
	return append(args, extra...), nil
}

// BootstrapFiles returns the files the chart's initpolicy init container
// writes into /bootstrap, by name: authz.rego when authz is enabled (mgmtToken
// is the token kube-mgmt presents), and <name>.rego per bootstrapPolicies
// entry. The names are sorted for a stable order.
func BootstrapFiles(v *Values, mgmtToken string) (map[string]string, []string, error) {
	files := map[string]string{}
	if v.Authz.Enabled {
		if mgmtToken == "" {
			return nil, nil, errors.New("authz is enabled but the kube-mgmt token is empty")
		}
		files["authz.rego"] = AuthzPolicy(mgmtToken)
	}
	for name, policy := range v.BootstrapPolicies {
		file := name + ".rego"
		if _, dup := files[file]; dup {
			return nil, nil, fmt.Errorf("bootstrapPolicies.%s: the chart writes authz.rego itself", name)
		}
		files[file] = policy
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	return files, names, nil
}

// AuthzPolicy is OPA's authorization policy (package system.authz, used with
// --authorization=basic) with the rules the chart's initpolicy container
// writes: anonymous callers may ask for the default decision (the API
// server's webhook call, POST or GET on "/") and read /health (the probes);
// everything else, such as loading policy and data, needs the kube-mgmt
// token. Written here in Rego v1, which OPA 1.x parses by default.
func AuthzPolicy(mgmtToken string) string {
	return `package system.authz

default allow := false

# The default decision, data.system.main: the API server's webhook call.
allow if {
	input.path == [""]
	input.method in {"POST", "GET"}
}

# Liveness and readiness probes.
allow if {
	input.path == ["health"]
	input.method == "GET"
}

# kube-mgmt, with the token the init container generated.
allow if input.identity == ` + regoString(mgmtToken) + `
`
}

// regoString quotes s as a Rego string literal, which has JSON's syntax.
func regoString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}
