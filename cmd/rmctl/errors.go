package main

import (
	"errors"
	"fmt"
)

// Exit codes, in one place. Commands return errors; run maps them.
const (
	exitOK      = 0
	exitError   = 1 // invalid program, failed apply, any runtime error
	exitUsage   = 2 // bad flags or arguments
	exitChanges = 2 // plan --detailed-exitcode: changes present
)

// usageError marks a mistake in how rmctl was called; it exits 2 and prints a
// hint to --help.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// silentError carries an exit code for a failure the command has already
// reported in full (diagnostics, a plan with changes).
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var s *silentError
	if errors.As(err, &s) {
		return s.code
	}
	var u *usageError
	if errors.As(err, &u) {
		return exitUsage
	}
	return exitError
}
