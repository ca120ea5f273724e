package main

import (
	"reflect"
	"testing"
)

func TestMatchOptions(t *testing.T) {
	tests := []struct {
		args []string
		want matchOptions
		code int
	}{
		{args: nil, want: matchOptions{Dir: ".", Output: "text"}},
		{
			args: []string{"-o", "json", "--write", "--pin", "a,b", "--pin", "c,d", "--avoid", "e,f", "--dry-run", "prog"},
			want: matchOptions{Dir: "prog", Output: "json", Write: true, DryRun: true, Pins: []string{"a,b", "c,d"}, Avoids: []string{"e,f"}},
		},
		{args: []string{"-o", "markdown"}, code: exitUsage},
		{args: []string{"a", "b"}, code: exitUsage},
		{args: []string{"progs/..."}, code: exitUsage},
	}
	for _, tc := range tests {
		a, _, _ := testApp()
		var got *matchOptions
		code, _ := execUnderRoot(t, a, newMatchCmd(a, func(o *matchOptions) error { got = o; return nil }), tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d", tc.args, code, tc.code)
			continue
		}
		if tc.code != 0 {
			continue
		}
		got.app = nil
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%v: options %+v, want %+v", tc.args, *got, tc.want)
		}
	}
}
