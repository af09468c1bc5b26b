//go:build tools

// Package tools pins Helm's command as a dependency of this wrapper module so
// that `go mod tidy` records everything it needs.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
