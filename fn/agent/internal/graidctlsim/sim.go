package graidctlsim

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

const usage = `Usage: graidctl <command> [arguments] [flags]
Commands (simulator):
  version
  apply license <KEY>
  ls|list cx|controller|pd|physical_drive|dg|drive_group|vd|virtual_drive [--dg-id N] [--format json]
  create pd|physical_drive </dev/nvmeXnY | /dev/nvmeA-B>...
  create dg|drive_group <raid0|raid1|raid5|raid6|raid10> <pd ids, e.g. 0-3>
  create vd|virtual_drive <dg id> [size, e.g. 500G]
  del|delete vd <dg id> <vd id> --confirm-to-delete
  del|delete dg <dg id> --confirm-to-delete
  del|delete pd <pd ids> --confirm-to-delete
`

// Main runs the simulator with the state file and device root from the
// environment and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	statePath := os.Getenv(EnvState)
	if statePath == "" {
		fmt.Fprintf(stderr, "Error: %s must name the simulator state file\n", EnvState)
		return 2
	}
	return Run(args, statePath, os.Getenv(EnvRoot), stdout, stderr)
}

// invocation is a parsed command line.
type invocation struct {
	words   []string // positional words
	format  string   // "", "json" or "table"
	confirm bool     // --confirm-to-delete
	dgID    *int     // --dg-id
}

func parseArgs(args []string) (invocation, error) {
	var inv invocation
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			inv.words = append(inv.words, a)
			continue
		}
		name, value, hasValue := strings.Cut(a, "=")
		needValue := func() (string, error) {
			if hasValue {
				return value, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("flag %s needs a value", name)
			}
			i++
			return args[i], nil
		}
		switch name {
		case "--format":
			v, err := needValue()
			if err != nil {
				return inv, err
			}
			if v != "json" && v != "table" {
				return inv, fmt.Errorf("invalid --format %q (json|table)", v)
			}
			inv.format = v
		case "--confirm-to-delete":
			inv.confirm = true
		case "--dg-id":
			v, err := needValue()
			if err != nil {
				return inv, err
			}
			id, err := strconv.Atoi(v)
			if err != nil || id < 0 {
				return inv, fmt.Errorf("invalid --dg-id %q", v)
			}
			inv.dgID = &id
		default:
			return inv, fmt.Errorf("unknown flag %s", a)
		}
	}
	return inv, nil
}

// Run executes one graidctl command against the state file. Every
// invocation is logged, including failed ones.
func Run(args []string, statePath, root string, stdout, stderr io.Writer) int {
	unlock, err := lock(statePath)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 2
	}
	defer unlock()
	st, err := LoadState(statePath)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 2
	}
	st.Log = append(st.Log, redact(args))
	code := dispatch(st, args, root, stdout, stderr)
	if err := st.Save(statePath); err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 2
	}
	return code
}

func redact(args []string) string {
	shown := slices.Clone(args)
	if len(shown) >= 3 && shown[0] == "apply" && shown[1] == "license" {
		shown[2] = "<redacted>"
	}
	return strings.Join(shown, " ")
}

func dispatch(st *State, args []string, root string, stdout, stderr io.Writer) int {
	inv, err := parseArgs(args)
	if err != nil {
		return fail(stderr, err.Error())
	}
	if len(inv.words) == 0 {
		return fail(stderr, "missing command")
	}
	line := strings.Join(inv.words, " ")
	tickNodes(st, root)
	for _, prefix := range st.Hang {
		if strings.HasPrefix(line, prefix) {
			time.Sleep(time.Hour) // killed by the caller's timeout
		}
	}
	for i, prefix := range st.FailOnce {
		if strings.HasPrefix(line, prefix) {
			st.FailOnce = slices.Delete(st.FailOnce, i, i+1)
			return fail(stderr, "simulated failure of "+prefix)
		}
	}
	for _, prefix := range st.Garble {
		if strings.HasPrefix(line, prefix) {
			var out bytes.Buffer
			dispatchVerb(st, inv, root, &out, io.Discard)
			stdout.Write(out.Bytes()[:out.Len()/2])
			return 0
		}
	}
	for i, prefix := range st.FailAfter {
		if strings.HasPrefix(line, prefix) {
			st.FailAfter = slices.Delete(st.FailAfter, i, i+1)
			dispatchVerb(st, inv, root, io.Discard, io.Discard)
			return fail(stderr, "simulated failure after "+prefix+" took effect")
		}
	}
	return dispatchVerb(st, inv, root, stdout, stderr)
}

func dispatchVerb(st *State, inv invocation, root string, stdout, stderr io.Writer) int {
	verb, rest := inv.words[0], inv.words[1:]
	switch verb {
	case "version":
		fmt.Fprintln(stdout, "graidctl simulator (supremeraid-fn test stand-in)")
		return 0
	case "apply":
		if len(rest) != 2 || rest[0] != "license" {
			return fail(stderr, "usage: graidctl apply license <KEY>")
		}
		return applyLicense(st, rest[1], stdout, stderr)
	case "ls", "list":
		return list(st, inv, rest, root, stdout, stderr)
	case "create":
		if st.Prompt && !confirmed(stdout) {
			return fail(stderr, "aborted: not confirmed")
		}
		return create(st, rest, root, stdout, stderr)
	case "del", "delete":
		return remove(st, inv, rest, root, stdout, stderr)
	}
	return fail(stderr, fmt.Sprintf("unknown command %q", verb))
}

func fail(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "Error: %s\n\n%s", msg, usage)
	return 1
}

func applyLicense(st *State, key string, stdout, stderr io.Writer) int {
	if len(st.LicenseKeys) > 0 && !slices.Contains(st.LicenseKeys, key) {
		return fail(stderr, "license key is invalid for this controller")
	}
	st.Licensed = true
	fmt.Fprintln(stdout, "\u2714Apply license successfully.")
	return 0
}

// kind normalises the short and long component names of the CLI.
func kind(word string) string {
	switch word {
	case "cx", "controller":
		return "cx"
	case "pd", "physical_drive":
		return "pd"
	case "dg", "drive_group":
		return "dg"
	case "vd", "virtual_drive":
		return "vd"
	case "nd", "nvme_drive":
		return "nd"
	}
	return ""
}

// stdin is where a prompt's answer is read (the process's stdin; tests replace it).
var stdin io.Reader = os.Stdin

// confirmed asks, as graidctl may before creating, and reads one answer line: only "y" or "yes"
// goes on. No stdin (an agent gives none) aborts.
func confirmed(stdout io.Writer) bool {
	fmt.Fprint(stdout, "This will initialise the drives. Continue? [y/N] ")
	var answer string
	if _, err := fmt.Fscanln(stdin, &answer); err != nil {
		return false
	}
	return answer == "y" || answer == "yes"
}
