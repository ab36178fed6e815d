//go:build !wasm

// Package cli is the server half's command line: flags, wiring and start-up.
package cli

import "io"

// Main parses args, starts the server and blocks until it is stopped; it returns the
// process's exit code.
func Main(args []string, stdout, stderr io.Writer) int { return 0 }
