//go:build race

package analyzer_test

// raceEnabled: the race detector instruments allocations, which tests that
// count bytes allocated must not measure.
const raceEnabled = true
