package graidctl

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

type recordingRunner struct{ calls [][]string }

func (r *recordingRunner) Run(_ context.Context, name string, args []string) ([]byte, []byte, error) {
	r.calls = append(r.calls, append([]string{name}, args...))
	return nil, nil, nil
}

func TestRunRefusesDelete(t *testing.T) {
	cases := map[string]struct {
		reason string
		args   []string
	}{
		"del":    {reason: "the short verb must never reach graidctl", args: []string{"del", "vd", "0", "0", "--confirm-to-delete"}},
		"delete": {reason: "the long verb must never reach graidctl", args: []string{"delete", "dg", "0", "--confirm-to-delete"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := &recordingRunner{}
			c := &Client{Path: "graidctl", Runner: r}
			if _, err := c.run(context.Background(), tc.args, tc.args); !errors.Is(err, ErrDeleteRefused) {
				t.Errorf("%s: err = %v, want ErrDeleteRefused", tc.reason, err)
			}
			if len(r.calls) != 0 {
				t.Errorf("%s: runner was called: %v", tc.reason, r.calls)
			}
		})
	}
}

func TestClientHasNoDeleteMethod(t *testing.T) {
	// Guards against someone adding a convenience delete later.
	typ := reflect.TypeOf(&Client{})
	for i := 0; i < typ.NumMethod(); i++ {
		name := strings.ToLower(typ.Method(i).Name)
		for _, bad := range []string{"delete", "remove", "destroy", "wipe"} {
			if strings.Contains(name, bad) {
				t.Errorf("Client.%s looks destructive; the node agent must never delete RAID objects", typ.Method(i).Name)
			}
		}
	}
}
