package cli

import (
	"bytes"
	"io"
	"os"
	"testing"
	"time"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// zeros is /dev/zero: an endless stream.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestInputBounded: an endless stdin (as `render - < /dev/zero` or the function fed
// /dev/zero) ends in a clear message after 64 MiB, not in a process that grows without limit.
func TestInputBounded(t *testing.T) {
	for name, args := range map[string][]string{"render -": {"render", "-"}, "validate -": {"validate", "-"}, "function": nil} {
		t.Run(name, func(t *testing.T) {
			var out, errb bytes.Buffer
			start := time.Now()
			code := Main(args, Env{Stdin: zeros{}, Stdout: &out, Stderr: &errb})
			assert.Equal(t, 1, code)
			assert.Contains(t, errb.String(), "standard input is larger than 64 MiB")
			if args == nil {
				// Function mode answers with a ResourceList whose one result says why.
				rl, err := fn.ParseResourceList(out.Bytes())
				require.NoError(t, err)
				require.Len(t, rl.Results, 1)
				assert.Contains(t, rl.Results[0].Message, "larger than 64 MiB")
			} else {
				assert.Empty(t, out.String())
			}
			assert.Less(t, time.Since(start), 30*time.Second)
		})
	}
}

// TestFileBounded: the same for a file argument (/dev/zero itself where it exists).
func TestFileBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	var out, errb bytes.Buffer
	code := Main([]string{"validate", "/dev/zero"}, Env{Stdin: io.LimitReader(zeros{}, 0), Stdout: &out, Stderr: &errb})
	require.Equal(t, 1, code)
	assert.Contains(t, errb.String(), "/dev/zero is larger than 64 MiB")
}
