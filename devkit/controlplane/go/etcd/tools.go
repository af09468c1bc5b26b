//go:build tools

// Package tools pins the etcd main package as a dependency of this wrapper
// module so that `go mod tidy` records everything it needs.
package tools

import _ "go.etcd.io/etcd/server/v3"
