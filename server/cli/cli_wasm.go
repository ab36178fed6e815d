//go:build wasm

// Package cli is the server half's command line: flags, wiring and start-up.
//
// In the wasm build it is this stub, so that main.go compiles for both targets while
// nothing of the server reaches the widget's download.
package cli

import "io"

// Main is never reached in the browser: app.RunWhenOnBrowser does not return there.
func Main(args []string, stdout, stderr io.Writer) int { return 0 }
