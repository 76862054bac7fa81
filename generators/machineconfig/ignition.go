package machineconfig

import (
	"bytes"
	"encoding/json"
	"fmt"

	ign "github.com/coreos/ignition/v2/config/v3_2"
	igntypes "github.com/coreos/ignition/v2/config/v3_2/types"
	"github.com/coreos/vcontext/report"
	"github.com/vincent-petithory/dataurl"
	"k8s.io/utils/ptr"
)

// IgnitionVersion is the Ignition spec of the generated configs. The MCO of every OpenShift
// release supported today accepts 3.2.0 (4.14 and later translate 3.0-3.3 to their internal
// 3.4; older releases parse 3.2 directly), and these configs only write files, which 3.2 covers
// fully. Kernel arguments go in spec.kernelArguments, not Ignition's 3.3 kernelArguments
// section, which the MCO does not apply.
var IgnitionVersion = igntypes.MaxVersion.String()

// Ignition builds the Ignition config writing files: every file a data: URL (nothing for the
// node to fetch), with its mode, overwriting what is there (as the MCO does on day 2 anyway).
// The result is compact JSON without empty sections, validated by Ignition's own parser.
func Ignition(files []NodeFile) (json.RawMessage, error) {
	cfg := igntypes.Config{Ignition: igntypes.Ignition{Version: IgnitionVersion}}
	for _, f := range files {
		cfg.Storage.Files = append(cfg.Storage.Files, igntypes.File{
			Node: igntypes.Node{Path: f.Path, Overwrite: ptr.To(true)},
			FileEmbedded1: igntypes.FileEmbedded1{
				Mode:     ptr.To(f.Mode),
				Contents: igntypes.Resource{Source: ptr.To(DataURL(f.Contents))},
			},
		})
	}
	raw, err := compact(cfg)
	if err != nil {
		return nil, fmt.Errorf("rendering Ignition config: %w", err)
	}
	if err := Validate(raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// Validate parses raw as an Ignition 3.2.0 config with Ignition's own parser and validation.
// Warnings count as errors: nothing we generate should make Ignition or the MCO hesitate.
func Validate(raw []byte) error {
	_, rpt, err := ign.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid Ignition config: %w: %s", err, rpt.String())
	}
	for _, e := range rpt.Entries {
		if e.Kind == report.Error || e.Kind == report.Warn {
			return fmt.Errorf("invalid Ignition config: %s", rpt.String())
		}
	}
	return nil
}

// DataURL encodes contents as an RFC 2397 data URL with RFC 2396 escaping, the form Ignition and
// the MCO decode (both with github.com/vincent-petithory/dataurl).
func DataURL(contents string) string {
	return "data:," + dataurl.EscapeString(contents)
}

// compact serialises v and drops the empty sections Ignition's types write for unset structs
// ("proxy": {}, "verification": {}), so the MachineConfig shows only what is set.
func compact(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	dropEmpty(m)
	return json.Marshal(m) // map keys come out sorted: deterministic
}

func dropEmpty(m map[string]any) {
	for k, v := range m {
		switch t := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			dropEmpty(t)
			if len(t) == 0 {
				delete(m, k)
			}
		case []any:
			for _, item := range t {
				if im, ok := item.(map[string]any); ok {
					dropEmpty(im)
				}
			}
		}
	}
}
