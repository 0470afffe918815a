package check

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseThresholds parses --threshold flag values "METRIC=PCT": PCT is a
// percentage of the baseline median, written "10" or "10%". A sign sets the
// bad direction, as reports print it: "+10" makes an increase past 10% a
// regression (lower is better), "-10" a decrease (higher is better);
// without a sign the metric keeps its own direction. dirs holds the signed
// ones.
func ParseThresholds(list []string) (pcts map[string]float64, dirs map[string]Direction, err error) {
	dirs = map[string]Direction{}
	pcts, err = parseKV("--threshold", list, func(metric, v string) (float64, error) {
		num := strings.TrimSuffix(v, "%")
		x, err := parseNumber(num)
		if err != nil {
			return 0, fmt.Errorf("%q is not a percentage (write 10, +10%% or -10%%)", v)
		}
		switch num[0] {
		case '+':
			dirs[metric] = LowerIsBetter
		case '-':
			dirs[metric] = HigherIsBetter
		}
		return math.Abs(x), nil
	})
	if err != nil {
		return nil, nil, err
	}
	return pcts, dirs, nil
}

// ParseBudgets parses --max/--min flag values "METRIC=VALUE": VALUE is in
// the metric's unit. A duration metric (*_ns) also takes a Go duration
// ("1ms", "250us"); a ratio metric (procs.utilization) also takes a
// percentage ("80%" is 0.8). flag names the flag in errors ("--max").
func ParseBudgets(flag string, list []string) (map[string]float64, error) {
	return parseKV(flag, list, func(metric, v string) (float64, error) {
		unit := UnitOf(metric)
		if x, err := parseNumber(v); err == nil {
			return x, nil
		}
		if strings.HasSuffix(v, "%") {
			if unit != UnitRatio {
				return 0, fmt.Errorf("%q: a percentage only fits a ratio metric (such as procs.utilization); %s is in %s", v, metric, unit)
			}
			x, err := parseNumber(strings.TrimSuffix(v, "%"))
			if err != nil {
				return 0, fmt.Errorf("%q is not a percentage", v)
			}
			return x / 100, nil
		}
		if d, err := time.ParseDuration(v); err == nil {
			if unit != UnitNS {
				return 0, fmt.Errorf("%q: a duration only fits a *_ns metric; %s is in %s", v, metric, unit)
			}
			return float64(d.Nanoseconds()), nil
		}
		hint := "a number"
		switch unit {
		case UnitNS:
			hint = "a number of nanoseconds or a duration such as 1ms"
		case UnitRatio:
			hint = "a ratio 0..1 or a percentage such as 80%"
		}
		return 0, fmt.Errorf("%q is not a value for %s (want %s)", v, metric, hint)
	})
}

// parseKV splits "METRIC=VALUE" items and parses each value.
func parseKV(flag string, list []string, value func(metric, v string) (float64, error)) (map[string]float64, error) {
	out := map[string]float64{}
	for _, item := range list {
		k, v, ok := strings.Cut(item, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%s %q: want METRIC=VALUE, e.g. %s sched.latency.p99_ns=%s", flag, item, flag, example(flag))
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("%s: %s given twice", flag, k)
		}
		x, err := value(k, v)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %v", flag, k, err)
		}
		out[k] = x
	}
	return out, nil
}

func example(flag string) string {
	if flag == "--threshold" {
		return "15"
	}
	return "1ms"
}

// parseNumber parses a finite float.
func parseNumber(s string) (float64, error) {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("not finite")
	}
	return x, nil
}
