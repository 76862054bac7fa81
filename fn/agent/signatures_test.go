package agent

import (
	"context"
	"encoding/binary"
	"os"
	"testing"
)

// writeMBR writes a minimal DOS partition table: one Linux partition.
func writeMBR(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sector := make([]byte, 512)
	entry := sector[446:462]
	entry[4] = 0x83                                // Linux
	binary.LittleEndian.PutUint32(entry[8:], 2048) // first LBA
	binary.LittleEndian.PutUint32(entry[12:], 8192)
	sector[510], sector[511] = 0x55, 0xAA
	if _, err := f.WriteAt(sector, 0); err != nil {
		t.Fatal(err)
	}
}

func TestBlkidProber(t *testing.T) {
	blkid := requireTool(t, "blkid")
	cases := map[string]struct {
		reason  string
		prepare func(t *testing.T, path string)
		check   func(s Signature) bool
		empty   bool
	}{
		"blank": {
			reason:  "a zeroed device has no signature, so it may be used",
			prepare: func(*testing.T, string) {},
			empty:   true,
		},
		"partition table": {
			reason:  "a DOS partition table is foreign data",
			prepare: writeMBR,
			check:   func(s Signature) bool { return s.PTType == "dos" },
		},
		"ext4": {
			reason:  "an ext4 filesystem is found with its UUID",
			prepare: func(t *testing.T, p string) { runTool(t, "mkfs.ext4", "-q", "-F", p) },
			check:   func(s Signature) bool { return s.Type == "ext4" && s.UUID != "" },
		},
		"swap": {
			reason:  "non-filesystem signatures count too",
			prepare: func(t *testing.T, p string) { runTool(t, "mkswap", p) },
			check:   func(s Signature) bool { return s.Type == "swap" },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := sparseFile(t, t.TempDir(), "dev", 64<<20)
			tc.prepare(t, p)
			sig, err := BlkidProber{Path: blkid}.Probe(context.Background(), p)
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if sig.Empty() != tc.empty {
				t.Fatalf("%s: Empty() = %v for %+v", tc.reason, sig.Empty(), sig)
			}
			if tc.check != nil && !tc.check(sig) {
				t.Errorf("%s: unexpected signature %+v", tc.reason, sig)
			}
		})
	}
	if _, err := (BlkidProber{Path: blkid}).Probe(context.Background(), "/nonexistent/dev"); err == nil {
		t.Error("probing a missing device must be an error, not 'no signature'")
	}
}

func TestSignatureString(t *testing.T) {
	cases := map[string]struct {
		reason string
		sig    Signature
		want   string
	}{
		"none": {reason: "empty reads naturally", sig: Signature{}, want: "no signature"},
		"both": {reason: "both kinds are named", sig: Signature{PTType: "gpt", Type: "xfs"}, want: "a gpt partition table and a xfs signature"},
		"amb":  {reason: "ambivalent results are named", sig: Signature{Ambivalent: true}, want: "several conflicting signatures"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := tc.sig.String(); got != tc.want {
				t.Errorf("%s: got %q want %q", tc.reason, got, tc.want)
			}
		})
	}
}
