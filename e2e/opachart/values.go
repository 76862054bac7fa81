package opachart

import (
	"bytes"
	"encoding/json"
	"fmt"

	"sigs.k8s.io/yaml"
)

// Values are the chart values after merging, with the fields the builders
// read. Raw holds the whole merged tree: the webhook template copies parts
// of it verbatim (toYaml), and so does MutatingWebhook.
type Values struct {
	Raw map[string]any `json:"-"`

	FullnameOverride string `json:"fullnameOverride"`
	UseHTTPS         bool   `json:"useHttps"`
	LogLevel         string `json:"logLevel"`
	LogFormat        string `json:"logFormat"`
	// OPA is the chart's OPA configuration file (`opa: {}` by default).
	OPA               map[string]any    `json:"opa"`
	BootstrapPolicies map[string]string `json:"bootstrapPolicies"`
	ExtraArgs         []string          `json:"extraArgs"`
	// ExtraVolumeMounts are mounted into the opa (and mgmt) container; the
	// harness maps their paths to directories of its own (Serving.Mounts).
	ExtraVolumeMounts []struct {
		Name      string `json:"name"`
		MountPath string `json:"mountPath"`
	} `json:"extraVolumeMounts"`
	Authz               Toggle `json:"authz"`
	Prometheus          Toggle `json:"prometheus"`
	CertManager         Toggle `json:"certManager"`
	AdmissionController struct {
		Enabled bool   `json:"enabled"`
		Kind    string `json:"kind"`
	} `json:"admissionController"`
	Mgmt MgmtValues `json:"mgmt"`
}

// Toggle is the chart's {enabled: bool} pattern.
type Toggle struct {
	Enabled bool `json:"enabled"`
}

// MgmtValues configure the kube-mgmt sidecar (chart key mgmt).
type MgmtValues struct {
	Enabled    bool     `json:"enabled"`
	Namespaces []string `json:"namespaces"`
	Policies   Toggle   `json:"policies"`
	Data       Toggle   `json:"data"`
	Replicate  struct {
		Cluster   []string `json:"cluster"`
		Namespace []string `json:"namespace"`
		Path      string   `json:"path"`
		IgnoreNs  []string `json:"ignoreNs"`
		Auto      bool     `json:"auto"`
	} `json:"replicate"`
	ExtraArgs []string `json:"extraArgs"`
}

// Load merges generated (our values.yaml) over chartDefaults (the chart's
// values.yaml) and decodes the result. generated is parsed strictly: a
// duplicate key is an error, as it would make Helm's result depend on the
// parser.
func Load(chartDefaults, generated []byte) (*Values, error) {
	defaults, err := parseYAML(chartDefaults, false)
	if err != nil {
		return nil, fmt.Errorf("chart values.yaml: %w", err)
	}
	ours, err := parseYAML(generated, true)
	if err != nil {
		return nil, fmt.Errorf("generated values: %w", err)
	}
	merged := Merge(defaults, ours)
	data, err := json.Marshal(merged)
	if err != nil {
		return nil, fmt.Errorf("encoding merged values: %w", err)
	}
	v := &Values{Raw: merged}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("merged values do not have the chart's types: %w", err)
	}
	return v, nil
}

func parseYAML(data []byte, strict bool) (map[string]any, error) {
	convert := yaml.YAMLToJSON
	if strict {
		convert = yaml.YAMLToJSONStrict
	}
	js, err := convert(data)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
		return map[string]any{}, nil
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, fmt.Errorf("values must be a YAML mapping: %w", err)
	}
	return m, nil
}

// lookup returns the value at path in the merged tree, or nil.
func (v *Values) lookup(path ...string) any {
	var cur any = v.Raw
	for _, key := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[key]
	}
	return cur
}

// truthy is Go template truth, which the chart's `if` and `with` use: false,
// 0, nil, "" and empty maps and lists are false.
func truthy(x any) bool {
	switch t := x.(type) {
	case nil:
		return false
	case bool:
		return t
	case float64:
		return t != 0
	case string:
		return t != ""
	case map[string]any:
		return len(t) > 0
	case []any:
		return len(t) > 0
	default:
		return true
	}
}
