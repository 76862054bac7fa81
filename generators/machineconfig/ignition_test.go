package machineconfig

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	ign "github.com/coreos/ignition/v2/config/v3_2"
	ign33 "github.com/coreos/ignition/v2/config/v3_3"
	"github.com/google/go-cmp/cmp"
	"github.com/vincent-petithory/dataurl"
)

func TestIgnition(t *testing.T) {
	files := Files(testConfig(t, nil))
	raw, err := Ignition(files)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := ign.Parse(raw)
	if err != nil {
		t.Fatalf("Ignition's own parser rejects the config: %v", err)
	}
	if cfg.Ignition.Version != "3.2.0" {
		t.Errorf("version: got %s", cfg.Ignition.Version)
	}
	if len(cfg.Storage.Files) != len(files) {
		t.Fatalf("want %d files, got %d", len(files), len(cfg.Storage.Files))
	}
	for i, f := range cfg.Storage.Files {
		want := files[i]
		if f.Path != want.Path || f.Mode == nil || *f.Mode != 0o644 || f.Overwrite == nil || !*f.Overwrite {
			t.Errorf("file %d: got path %s mode %v overwrite %v", i, f.Path, f.Mode, f.Overwrite)
		}
		if f.Contents.Source == nil || !strings.HasPrefix(*f.Contents.Source, "data:,") {
			t.Fatalf("%s: contents must be an inline data: URL, got %v", f.Path, f.Contents.Source)
		}
		// Decode the way Ignition and the MCO do and compare byte for byte.
		d, err := dataurl.DecodeString(*f.Contents.Source)
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		if diff := cmp.Diff(want.Contents, string(d.Data)); diff != "" {
			t.Errorf("%s: decoded contents differ (-want +got):\n%s", f.Path, diff)
		}
		if len(f.Append) > 0 || f.Contents.Compression != nil || f.User.ID != nil || f.Group.ID != nil {
			t.Errorf("%s: only path, mode, overwrite and contents may be set: %+v", f.Path, f)
		}
	}
	if cfg.Systemd.Units != nil || cfg.Passwd.Users != nil || cfg.Storage.Disks != nil || cfg.Storage.Filesystems != nil ||
		cfg.Storage.Links != nil || cfg.Storage.Directories != nil {
		t.Error("only storage.files is day-2 safe under the MCO")
	}
	// MCO 4.14 and later read older specs by translating them upward (v3_4.ParseCompatibleVersion;
	// v3_3 here, which takes the same path without v3_4's AWS SDK dependency). Older MCOs parse 3.2
	// directly, as above.
	if _, _, err := ign33.ParseCompatibleVersion(raw); err != nil {
		t.Errorf("not accepted as an older spec by the 3.3 parser: %v", err)
	}
	if strings.Contains(string(raw), "{}") || strings.Contains(string(raw), "null") {
		t.Errorf("empty sections left in the config: %s", raw)
	}
}

// TestIgnitionDeterministic: the same files give the same bytes (no map order leaks).
func TestIgnitionDeterministic(t *testing.T) {
	files := Files(testConfig(t, nil))
	first, err := Ignition(files)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		again, _ := Ignition(files)
		if string(again) != string(first) {
			t.Fatalf("run %d differs:\n%s\n%s", i, first, again)
		}
	}
}

// TestValidate proves the validation can fail: each broken config is rejected with the
// offending part named.
func TestValidate(t *testing.T) {
	good := `{"ignition":{"version":"3.2.0"},"storage":{"files":[{"path":"/etc/x","mode":420,"overwrite":true,"contents":{"source":"data:,x"}}]}}`
	cases := map[string]struct {
		reason  string
		raw     string
		wantErr string // "" means valid
	}{
		"good":             {reason: "a config like ours", raw: good},
		"relative path":    {reason: "Ignition requires absolute paths", raw: strings.Replace(good, `"/etc/x"`, `"etc/x"`, 1), wantErr: "absolute"},
		"bad data url":     {reason: "the source must decode", raw: strings.Replace(good, `data:,x`, `data:,a b`, 1), wantErr: "invalid"},
		"unknown key":      {reason: "a misspelt key is a warning in Ignition, an error here", raw: strings.Replace(good, `"mode"`, `"mod"`, 1), wantErr: "unused key mod"},
		"other version":    {reason: "the config is validated as 3.2.0 exactly", raw: strings.Replace(good, `3.2.0`, `3.4.0`, 1), wantErr: "unsupported config version"},
		"overwrite no src": {reason: "overwrite without contents is invalid", raw: `{"ignition":{"version":"3.2.0"},"storage":{"files":[{"path":"/etc/x","overwrite":true}]}}`, wantErr: "overwrite"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := Validate([]byte(tc.raw))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("%s: unexpected error: %v", tc.reason, err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("%s: want an error containing %q, got none", tc.reason, tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("%s: want an error containing %q, got %v", tc.reason, tc.wantErr, err)
			}
		})
	}
}

func TestIgnitionRejectsBadFile(t *testing.T) {
	_, err := Ignition([]NodeFile{{Path: "etc/relative", Mode: 0o644, Contents: "x\n"}})
	if err == nil || !strings.Contains(err.Error(), "invalid Ignition config") {
		t.Errorf("a relative path must fail Ignition's validation, got %v", err)
	}
}

func TestDataURL(t *testing.T) {
	in := "ACTION==\"add|change\", KERNEL==\"gdg*\" # 100% {x}\n\ttab"
	u := DataURL(in)
	// RFC 2396: only unreserved characters appear as themselves, everything else as %XX.
	if !regexp.MustCompile(`^data:,([A-Za-z0-9_.!~*'()-]|%[0-9A-F]{2})*$`).MatchString(u) {
		t.Errorf("not an RFC 2396-escaped data URL: %s", u)
	}
	d, err := dataurl.DecodeString(u)
	if err != nil {
		t.Fatal(err)
	}
	if string(d.Data) != in {
		t.Errorf("round trip: got %q", d.Data)
	}
	var s string
	if err := json.Unmarshal([]byte(`"`+u+`"`), &s); err != nil || s != u {
		t.Errorf("a data URL must survive JSON unchanged: %v", err)
	}
}
