package agent

import (
	"context"
	"time"
)

// Every external command the agent runs is bounded, so a hung tool (a graidctl waiting on a
// dead graid_server, a blkid stuck on a failing SSD) cannot hold a pass, and with it SIGTERM
// handling, past the pod's grace period. A command that times out is an error, which is never
// read as "blank" or "not mounted".
const (
	GraidctlTimeout = 2 * time.Minute  // create dg/vd return after graid has the metadata written
	ProbeTimeout    = 2 * time.Minute  // blkid, wipefs
	MkfsTimeout     = 30 * time.Minute // mkfs discards the whole VD first
	MountTimeout    = 2 * time.Minute  // mount, umount
)

// cmdTimeouts is the timeout per tool; tests shorten them.
var cmdTimeouts = map[string]time.Duration{
	"probe": ProbeTimeout,
	"mkfs":  MkfsTimeout,
	"mount": MountTimeout,
}

// boundedContext derives a context cancelled after the tool's timeout.
func boundedContext(ctx context.Context, tool string) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, cmdTimeouts[tool])
}
