//go:build race

package tui

// raceSlowdown scales time bounds in tests: the race detector makes memory
// copies of large values many times slower.
const raceSlowdown = 20
