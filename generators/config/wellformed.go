package config

// Family validators (generators.Family.Validate) check limits that depend on what a family
// makes from several fields. A field that is malformed is reported by Validate already; these
// let a family skip arithmetic on it rather than report the same field twice.

// NameValid reports whether metadata.name passes Validate's own rule.
func NameValid(name string) bool {
	return len(validateDNSLabel(nil, name, maxNameLen)) == 0
}

// DriverVersionValid reports whether spec.driver.version is a well-formed release version.
func DriverVersionValid(v string) bool { return versionRe.MatchString(v) }

// NVIDIADriverVersionValid reports whether spec.nvidia.driverVersion is a well-formed NVIDIA
// driver version.
func NVIDIADriverVersionValid(v string) bool { return nvidiaVerRe.MatchString(v) }
