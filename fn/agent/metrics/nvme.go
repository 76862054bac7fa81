package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// SmartLog is the part of an NVMe SMART / Health Information log page (log identifier 02h) the
// exporter publishes.
//
// Where it comes from: once an SSD is a SupremeRAID physical drive, the driver unbinds it from
// the kernel's nvme driver (its /dev/nvmeX node, and with it the nvme hwmon sensor in sysfs,
// disappear) and creates /dev/gpdX, through which "you can check the SSD information, such as SSD
// model or SMART logs" (Graid SupremeRAID user guide for Linux, 2.0.0). So sysfs/hwmon cannot be
// relied on; the exporter runs `nvme smart-log /dev/gpdX --output-format=json` (nvme-cli).
//
// The JSON shape is nvme-cli's json_smart_log() (nvme-print-json.c, 2.x; Debian bookworm ships
// 2.3): flat members "critical_warning" (the bit field as a number), "temperature" (composite,
// Kelvin; some releases spell it "Temperature"), "avail_spare", "spare_thresh", "percent_used"
// (percent), "media_errors" and other 128-bit counters, printed as numbers (or, in some builds,
// as digit strings). With --verbose "critical_warning" becomes an object with a "value" member;
// both are accepted.
type SmartLog struct {
	CriticalWarning   uint8
	TemperatureK      float64 // composite temperature in Kelvin
	AvailableSpare    float64 // percent
	SpareThreshold    float64 // percent
	PercentUsed       float64 // percent, may exceed 100
	MediaErrors       float64
	HasTemperature    bool
	HasPercentUsed    bool
	HasAvailSpare     bool
	HasMediaErrors    bool
	HasSpareThreshold bool
}

// ParseSmartLog decodes `nvme smart-log --output-format=json` output.
func ParseSmartLog(out []byte) (SmartLog, error) {
	var log SmartLog
	start := bytes.IndexByte(out, '{')
	if start < 0 {
		return log, fmt.Errorf("no JSON object in nvme smart-log output %q", clip(out))
	}
	dec := json.NewDecoder(bytes.NewReader(out[start:]))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return log, fmt.Errorf("decoding nvme smart-log JSON: %w", err)
	}
	// Member names compared case-insensitively: nvme-cli releases differ in capitalisation.
	lower := make(map[string]any, len(m))
	for k, v := range m {
		lower[strings.ToLower(k)] = v
	}
	cw, ok := lower["critical_warning"]
	if !ok {
		return log, errors.New(`nvme smart-log JSON has no "critical_warning" member`)
	}
	if obj, isObj := cw.(map[string]any); isObj { // --verbose
		for k, v := range obj {
			if strings.EqualFold(k, "value") {
				cw = v
			}
		}
	}
	v, err := number(cw)
	if err != nil || v < 0 || v > 255 {
		return log, fmt.Errorf("nvme smart-log: critical_warning %v is not a byte", cw)
	}
	log.CriticalWarning = uint8(v)
	get := func(key string, dst *float64, has *bool) error {
		raw, ok := lower[key]
		if !ok {
			return nil
		}
		f, err := number(raw)
		if err != nil {
			return fmt.Errorf("nvme smart-log: %s: %w", key, err)
		}
		*dst, *has = f, true
		return nil
	}
	err = errors.Join(
		get("temperature", &log.TemperatureK, &log.HasTemperature),
		get("avail_spare", &log.AvailableSpare, &log.HasAvailSpare),
		get("spare_thresh", &log.SpareThreshold, &log.HasSpareThreshold),
		get("percent_used", &log.PercentUsed, &log.HasPercentUsed),
		get("media_errors", &log.MediaErrors, &log.HasMediaErrors),
	)
	return log, err
}

// TemperatureCelsius converts the composite temperature (Kelvin, as the log page and nvme-cli's
// JSON carry it) to degrees Celsius.
func (l SmartLog) TemperatureCelsius() float64 { return l.TemperatureK - 273.15 }

// number reads a JSON number, or a string of digits (how some nvme-cli builds print 128-bit
// counters).
func number(v any) (float64, error) {
	switch x := v.(type) {
	case json.Number:
		return strconv.ParseFloat(x.String(), 64)
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("%q is not a number", x)
		}
		return f, nil
	}
	return 0, fmt.Errorf("%v is not a number", v)
}

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}
