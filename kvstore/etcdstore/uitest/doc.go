// Package uitest holds the tests of the terminal UI (package tui) on an
// etcd prefix: the UI names no backend, so the tests that open one for it
// live beside the backend, and drive the UI only through its exported
// Model, as the program does.
package uitest
