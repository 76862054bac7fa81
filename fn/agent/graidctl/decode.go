package graidctl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// DecodeResult unmarshals the "Result" member of graidctl JSON output into v.
// Text before the first '{' (a status line) is skipped; a null Result leaves
// v untouched so list callers get an empty slice.
func DecodeResult(out []byte, v any) error {
	start := bytes.IndexByte(out, '{')
	if start < 0 {
		return fmt.Errorf("no JSON object in graidctl output %q", truncate(out))
	}
	dec := json.NewDecoder(bytes.NewReader(out[start:]))
	// A map, not a struct, so that a present-but-null Result is told apart
	// from a missing one.
	var env map[string]json.RawMessage
	if err := dec.Decode(&env); err != nil {
		return fmt.Errorf("decoding graidctl JSON: %w", err)
	}
	result, ok := env["Result"]
	if !ok {
		return errors.New(`graidctl JSON has no "Result" member`)
	}
	if bytes.Equal(bytes.TrimSpace(result), []byte("null")) {
		return nil
	}
	if err := json.Unmarshal(result, v); err != nil {
		return fmt.Errorf("decoding graidctl Result: %w", err)
	}
	return nil
}

func truncate(b []byte) string {
	const max = 200
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
