package resource

import "testing"

func TestIsFeedback(t *testing.T) {
	for addr, want := range map[string]bool{
		"dl-2027/pair/klaus-anna/feedback/3/anna.schmidt":        true,
		"dl-2027/feedback/program/anna.schmidt":                  true,
		"dl-2027/pair/feedback/session/3":                        false, // a pair named feedback
		"dl-2027/pair/klaus-anna/tutorial/feedback/anna.schmidt": false, // a tutorial named feedback
		"dl-2027/pair/klaus-anna/tutorial/t/write/anna.schmidt":  false,
		"dl-2027/event/feedback":                                 false,
	} {
		if got := IsFeedback(addr); got != want {
			t.Errorf("IsFeedback(%q) = %v, want %v", addr, got, want)
		}
	}
}
