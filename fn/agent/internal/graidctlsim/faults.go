package graidctlsim

import "strconv"

// Fault injection for tests of what watches the RAID (the metrics exporter): the simulator
// never changes these states by itself. State names follow the conventions of RAID
// controllers; the public graid scripts confirm only ONLINE (controller), OPTIMAL and
// RECOVERY (drive group).

// FailDrive marks physical drive pd as failed and its drive group as degraded.
func (s *State) FailDrive(pd int) {
	s.setPD(pd, "FAILED")
	if dg, ok := s.dgOf(pd); ok {
		s.SetDriveGroupState(dg, "DEGRADED")
	}
}

// RemoveDrive marks physical drive pd as missing (the SSD was pulled) and its drive group as
// degraded.
func (s *State) RemoveDrive(pd int) {
	s.setPD(pd, "MISSING")
	if dg, ok := s.dgOf(pd); ok {
		s.SetDriveGroupState(dg, "DEGRADED")
	}
}

// StartRebuild marks physical drive pd as rebuilding and its drive group as in recovery at
// percent progress.
func (s *State) StartRebuild(pd int, percent float64) {
	s.setPD(pd, "REBUILD")
	if dg, ok := s.dgOf(pd); ok {
		s.SetDriveGroupState(dg, "RECOVERY")
		if s.DGProgress == nil {
			s.DGProgress = map[string]float64{}
		}
		s.DGProgress[strconv.Itoa(dg)] = percent
	}
}

// SetDriveGroupState overrides the state `ls dg` and `ls vd` report for drive group dg.
func (s *State) SetDriveGroupState(dg int, state string) {
	if s.DGStates == nil {
		s.DGStates = map[string]string{}
	}
	s.DGStates[strconv.Itoa(dg)] = state
}

// Heal clears every injected fault.
func (s *State) Heal() {
	s.PDStates, s.DGStates, s.DGProgress = nil, nil, nil
}

func (s *State) setPD(pd int, state string) {
	if s.PDStates == nil {
		s.PDStates = map[string]string{}
	}
	s.PDStates[strconv.Itoa(pd)] = state
}

func (s *State) dgOf(pd int) (int, bool) {
	for _, p := range s.PDs {
		if p.ID == pd && p.DG != nil {
			return *p.DG, true
		}
	}
	return 0, false
}

// pdState is the injected state of physical drive pd, or computed when none is.
func (s *State) pdState(pd int, computed string) string {
	if v, ok := s.PDStates[strconv.Itoa(pd)]; ok {
		return v
	}
	return computed
}

// dgState is the injected state of drive group dg, or computed when none is.
func (s *State) dgState(dg int, computed string) string {
	if v, ok := s.DGStates[strconv.Itoa(dg)]; ok {
		return v
	}
	return computed
}

func (s *State) dgProgress(dg int) *float64 {
	if v, ok := s.DGProgress[strconv.Itoa(dg)]; ok {
		return &v
	}
	return nil
}
