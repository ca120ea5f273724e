package main

import (
	"reflect"
	"testing"
)

// argv → options for timeline, report, import people and publish.

func TestTimelineOptions(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tc := range []struct {
		args []string
		want timelineOptions
	}{
		{nil, timelineOptions{Patterns: []string{"."}, Output: "text"}},
		{[]string{"-o", "html", "--now", "2027-04-20", "a", "b/..."}, timelineOptions{Patterns: []string{"a", "b/..."}, Output: "html", Now: "2027-04-20"}},
		{[]string{"--output=svg"}, timelineOptions{Patterns: []string{"."}, Output: "svg"}},
	} {
		a, _, _ := testApp()
		var got *timelineOptions
		code, err := execUnderRoot(t, a, newTimelineCmd(a, func(o *timelineOptions) error { got = o; return nil }), tc.args...)
		if code != 0 || got == nil {
			t.Fatalf("%v: exit %d, %v", tc.args, code, err)
		}
		got.app = nil
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%v: got %+v, want %+v", tc.args, *got, tc.want)
		}
	}
	a, _, _ := testApp()
	if code, _ := execUnderRoot(t, a, newTimelineCmd(a, func(*timelineOptions) error { return nil }), "-o", "png"); code != exitUsage {
		t.Errorf("-o png: exit %d, want %d", code, exitUsage)
	}
}

func TestReportOptions(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tc := range []struct {
		args []string
		want reportOptions
		code int
	}{
		{nil, reportOptions{Patterns: []string{"."}, Output: "text", Delimiter: ","}, 0},
		{[]string{"-o", "csv", "--bom", "--delimiter", ";", "--at", "2027-04-30", "p"},
			reportOptions{Patterns: []string{"p"}, Output: "csv", At: "2027-04-30", BOM: true, Delimiter: ";"}, 0},
		{[]string{"-o", "csv", "--delimiter", "\t"}, reportOptions{Patterns: []string{"."}, Output: "csv", Delimiter: "\t"}, 0},
		{[]string{"-o", "csv", "--delimiter", `"`}, reportOptions{}, exitUsage},
		{[]string{"-o", "csv", "--delimiter", ""}, reportOptions{}, exitUsage},
		{[]string{"-o", "markdown", "--bom"}, reportOptions{}, exitUsage},
		{[]string{"-o", "html"}, reportOptions{}, exitUsage},
	} {
		a, _, _ := testApp()
		var got *reportOptions
		code, _ := execUnderRoot(t, a, newReportCmd(a, func(o *reportOptions) error { got = o; return nil }), tc.args...)
		if code != tc.code {
			t.Errorf("%q: exit %d, want %d", tc.args, code, tc.code)
			continue
		}
		if code != 0 {
			continue
		}
		got.app = nil
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%q: got %+v, want %+v", tc.args, *got, tc.want)
		}
	}
}

func TestImportPeopleOptions(t *testing.T) {
	a, _, _ := testApp()
	var got *importPeopleOptions
	imp := newImportCmd(a)
	for _, c := range imp.Commands() {
		imp.RemoveCommand(c)
	}
	imp.AddCommand(newImportPeopleCmd(a, func(o *importPeopleOptions) error { got = o; return nil }))
	code, err := execUnderRoot(t, a, imp, "people", "hr.csv", "--map", "email=Mail", "-o", "p/people.cue", "--package", "dl", "--force")
	if code != 0 || got == nil {
		t.Fatalf("exit %d, %v", code, err)
	}
	got.app = nil
	want := importPeopleOptions{CSV: "hr.csv", Map: "email=Mail", Out: "p/people.cue", Package: "dl", Force: true}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("got %+v, want %+v", *got, want)
	}
	if code, _ := execUnderRoot(t, a, imp, "people"); code != exitUsage {
		t.Errorf("no file: exit %d, want %d", code, exitUsage)
	}
}

func TestPublishOptions(t *testing.T) {
	a, _, _ := testApp()
	var got *publishOptions
	code, err := execUnderRoot(t, a, newPublishCmd(a, func(o *publishOptions) error { got = o; return nil }),
		"site", "--rotate", "ann", "--rotate", "_organizer", "--base-url", "https://cal.example.com/rm")
	if code != 0 || got == nil {
		t.Fatalf("exit %d, %v", code, err)
	}
	got.app = nil
	want := publishOptions{Site: "site", Rotate: []string{"ann", "_organizer"}, BaseURL: "https://cal.example.com/rm"}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("got %+v, want %+v", *got, want)
	}
}
