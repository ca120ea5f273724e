// Command rmctl runs reverse-mentoring programs as code: it validates program
// declarations written in CUE, plans the calendar invitations and tutorial
// assignments they imply, and applies them to a calendar target.
//
// This package is deliberately thin: each command parses its flags into an
// Options struct, calls the schema and engine packages, and renders.
package main

import "os"

func main() { os.Exit(Main()) }

// Main runs rmctl with the process's arguments and streams and returns the
// exit code; tests call it through testscript.
func Main() int {
	return run(os.Args[1:], systemStreams(), os.Getenv)
}
