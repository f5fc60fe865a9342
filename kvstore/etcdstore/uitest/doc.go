// Package uitest holds the tests of the terminal UI (package tui) on an
// etcd prefix: the UI names no backend, so the tests that open one for it
// live beside the backend, and drive the UI only through its exported
// Model, as the program does, and run the built program on a prefix in
// tmux (tui/tmuxtest).
//
//	go test -race ./kvstore/etcdstore/uitest            # every test here
//	go test ./kvstore/etcdstore/uitest -run Golden -update   # rewrite testdata/*.golden
package uitest
