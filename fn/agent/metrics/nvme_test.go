package metrics

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSmartLog(t *testing.T) {
	cases := map[string]struct {
		reason string
		file   string
		want   SmartLog
	}{
		"healthy": {
			reason: "nvme-cli 2.x default JSON: flat members, temperature in Kelvin",
			file:   "smart-log-healthy.json",
			want: SmartLog{CriticalWarning: 0, TemperatureK: 308, AvailableSpare: 100, SpareThreshold: 10, PercentUsed: 2, MediaErrors: 0,
				HasTemperature: true, HasAvailSpare: true, HasSpareThreshold: true, HasPercentUsed: true, HasMediaErrors: true},
		},
		"worn and hot": {
			reason: "critical warning bit 1 (temperature), high wear, media errors",
			file:   "smart-log-worn-hot.json",
			want: SmartLog{CriticalWarning: 2, TemperatureK: 350, AvailableSpare: 41, SpareThreshold: 10, PercentUsed: 93, MediaErrors: 4,
				HasTemperature: true, HasAvailSpare: true, HasSpareThreshold: true, HasPercentUsed: true, HasMediaErrors: true},
		},
		"verbose": {
			reason: "--verbose nests critical_warning; some releases write Temperature; counters as digit strings",
			file:   "smart-log-verbose.json",
			want: SmartLog{CriticalWarning: 4, TemperatureK: 318, AvailableSpare: 97, SpareThreshold: 10, PercentUsed: 12, MediaErrors: 17,
				HasTemperature: true, HasAvailSpare: true, HasSpareThreshold: true, HasPercentUsed: true, HasMediaErrors: true},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tc.file))
			require.NoError(t, err)
			got, err := ParseSmartLog(b)
			require.NoError(t, err, tc.reason)
			assert.Equal(t, tc.want, got, tc.reason)
		})
	}
}

func TestParseSmartLogErrors(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     string
		want   string
	}{
		"not JSON":          {reason: "nvme-cli printed an error instead", in: "NVMe status: Invalid Field in Command", want: "no JSON object"},
		"no warning":        {reason: "not a SMART log at all", in: `{"temperature":300}`, want: `no "critical_warning"`},
		"warning too large": {reason: "critical_warning is one byte", in: `{"critical_warning":256}`, want: "not a byte"},
		"bad counter":       {reason: "a counter that is no number", in: `{"critical_warning":0,"media_errors":"many"}`, want: "media_errors"},
		"truncated":         {reason: "output cut short", in: `{"critical_warning":0,`, want: "decoding"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseSmartLog([]byte(tc.in))
			require.Error(t, err, tc.reason)
			assert.Contains(t, err.Error(), tc.want, tc.reason)
		})
	}
}

func TestTemperatureCelsius(t *testing.T) {
	assert.InDelta(t, 76.85, SmartLog{TemperatureK: 350}.TemperatureCelsius(), 1e-9)
}
