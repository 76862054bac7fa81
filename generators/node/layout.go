package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
	"supremeraid.dev/supremeraid-fn/generators/nodelayout"
)

// restOfGroup is the only percentage the agent can create: graidctl's `create vd <dg>` without a
// size takes what is left of the drive group.
const restOfGroup = "100%"

// Layout converts the config into the node agent's layout. The drive groups, drives and virtual
// drives keep the config's order and indices, so agent field paths map back to spec paths.
func Layout(cfg *config.SupremeRAID) *nodelayout.Layout {
	s := &cfg.Spec
	l := &nodelayout.Layout{License: nodelayout.License{KeyFile: LicenseFile}}
	for _, dg := range s.RAID.DriveGroups {
		allow := map[string]bool{}
		for _, d := range dg.AllowInitialize {
			allow[d] = true
		}
		g := nodelayout.DriveGroup{RAIDLevel: string(dg.RAIDLevel)}
		for _, d := range dg.PhysicalDrives {
			g.PhysicalDrives = append(g.PhysicalDrives, nodelayout.PhysicalDrive{Device: d, AllowInitialize: allow[d]})
		}
		for _, vd := range dg.VirtualDrives {
			g.VirtualDrives = append(g.VirtualDrives, nodelayout.VirtualDrive{
				Size:         vd.Size,
				Filesystem:   string(vd.Filesystem),
				MountPath:    vd.MountPath,
				MountOptions: mountOptions(cfg, vd),
			})
		}
		l.DriveGroups = append(l.DriveGroups, g)
	}
	if mp := s.Workloads.MountPath; mp != "" {
		for _, ns := range s.Workloads.Namespaces {
			l.Tenants = append(l.Tenants, nodelayout.TenantDir{Namespace: ns.Name, UID: ns.RunAsUser, GID: ns.RunAsGroup, MountPath: mp})
		}
	}
	return l
}

// SELinuxContext labels the workload volume for containers. Tenant pods run confined with their
// namespace's MCS categories; files labelled container_file_t at s0 are readable and writable
// from any category set, while per-namespace directories (owner, group, mode 0770) keep tenants
// apart. A mount-wide context= needs no relabelling and cannot be undone by a pod.
const SELinuxContext = "context=system_u:object_r:container_file_t:s0"

// mountOptions are the config's options, plus the container SELinux context on the virtual
// drive that serves workloads unless the user set a context option there.
func mountOptions(cfg *config.SupremeRAID, vd config.VirtualDrive) []string {
	opts := append([]string(nil), vd.MountOptions...)
	if vd.MountPath != cfg.Spec.Workloads.MountPath || len(cfg.Spec.Workloads.Namespaces) == 0 {
		return opts
	}
	for _, o := range opts {
		if strings.HasPrefix(o, "context=") || strings.HasPrefix(o, "fscontext=") || strings.HasPrefix(o, "defcontext=") || strings.HasPrefix(o, "rootcontext=") {
			return opts
		}
	}
	return append(opts, SELinuxContext)
}

// Validate reports, with spec field paths, anything in a valid config the node agent's own
// layout validation would refuse. config.Validate already enforces the agent's rules (sizes,
// device paths), so this is a guard that the two never drift apart; it is empty for valid configs.
func Validate(cfg *config.SupremeRAID) field.ErrorList {
	var errs field.ErrorList
	reported := map[string]bool{}
	err := Layout(cfg).Validate()
	if err == nil {
		return errs
	}
	for _, e := range flatten(err) {
		var fe nodelayout.FieldError
		if !errors.As(e, &fe) {
			errs = append(errs, field.InternalError(field.NewPath("spec"), e))
			continue
		}
		p := specPath(fe.Path)
		if reported[p] {
			continue
		}
		reported[p] = true
		errs = append(errs, &field.Error{Type: field.ErrorTypeInvalid, Field: p, BadValue: field.OmitValueType{}, Detail: fe.Msg})
	}
	return errs
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

var (
	agentDrivePath  = regexp.MustCompile(`^(driveGroups\[\d+\]\.physicalDrives\[\d+\])\.device$`)
	agentTenantPath = regexp.MustCompile(`^tenants(\[\d+\])(?:\.(namespace|uid|gid|mountPath))?$`)
	tenantFields    = map[string]string{"": "", "namespace": ".name", "uid": ".runAsUser", "gid": ".runAsGroup"}
)

// specPath maps a layout field path back to the config: layout indices are the config's.
func specPath(p string) string {
	if m := agentDrivePath.FindStringSubmatch(p); m != nil {
		return "spec.raid." + m[1]
	}
	if strings.HasPrefix(p, "driveGroups") {
		return "spec.raid." + p
	}
	if m := agentTenantPath.FindStringSubmatch(p); m != nil {
		if m[2] == "mountPath" {
			return "spec.workloads.mountPath"
		}
		return "spec.workloads.namespaces" + m[1] + tenantFields[m[2]]
	}
	return "spec.node (layout " + p + ")"
}

// LayoutJSON is the ConfigMap content: indented JSON in the agent's field order, so it is
// byte-identical for the same config and readable in `oc get cm -o yaml`.
func LayoutJSON(cfg *config.SupremeRAID) ([]byte, error) {
	if errs := Validate(cfg); len(errs) > 0 {
		return nil, fmt.Errorf("the node agent cannot apply this layout: %w", errs.ToAggregate())
	}
	b, err := json.MarshalIndent(Layout(cfg), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the node layout: %w", err)
	}
	return append(b, '\n'), nil
}

// LayoutConfigMap is the agent's layout in spec.namespace. It names the license file, never the
// license itself.
func LayoutConfigMap(cfg *config.SupremeRAID) (*corev1.ConfigMap, error) {
	b, err := LayoutJSON(cfg)
	if err != nil {
		return nil, err
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta.Object(cfg, LayoutConfigMapName(cfg), cfg.Spec.Namespace, Component, meta.WaveFoundation),
		Data:       map[string]string{LayoutKey: string(b)},
	}, nil
}
