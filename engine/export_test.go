package engine

// Unchanged exposes Plan's shortcut test to the tests: whether a program's
// resources are known from state without expanding it.
var Unchanged = unchanged
