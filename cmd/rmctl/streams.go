package main

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// Streams is the one place rmctl's commands read input and write output, so
// tests can capture both and decide whether a terminal is attached.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// InTTY and OutTTY say whether stdin and stdout are terminals: prompts
	// need the first, colour and progress bars the second.
	InTTY  bool
	OutTTY bool
	// NoColor is set by NO_COLOR or --no-color.
	NoColor bool
}

// Color reports whether output may carry ANSI colours.
func (s *Streams) Color() bool { return s.OutTTY && !s.NoColor }

func systemStreams() *Streams {
	return &Streams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		InTTY:  isatty.IsTerminal(os.Stdin.Fd()),
		OutTTY: isatty.IsTerminal(os.Stdout.Fd()),
	}
}
