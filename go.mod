module github.com/kvstore-dev/kvstore

go 1.26.0

require (
	github.com/tidwall/btree v1.8.2 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
