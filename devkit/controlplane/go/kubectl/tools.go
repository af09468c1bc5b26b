//go:build tools

// Package tools pins the kubectl main package as a dependency of this wrapper
// module so that `go mod tidy` records everything it needs.
package tools

import _ "k8s.io/kubernetes/cmd/kubectl"
