package schema_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rmctl/rmctl/schema"
)

// FuzzLoad feeds arbitrary bytes to the loader as a program's program.cue,
// next to the people and pairs of a reference program. Any diagnostic is
// fine; a panic, a hang or an error from Load itself is not. Seeds are the
// .cue files of the examples, valid and invalid.
//
// CI runs: go test -run '^$' -fuzz=FuzzLoad -fuzztime=20s ./schema
func FuzzLoad(f *testing.F) {
	root := filepath.Join("..", "examples")
	seeds, err := filepath.Glob(filepath.Join(root, "*", "*.cue"))
	if err != nil {
		f.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(root, "invalid", "*", "*.cue"))
	for _, name := range append(seeds, more...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	base := fstest.MapFS{}
	for _, name := range []string{"people.cue", "pairs.cue"} {
		b, err := os.ReadFile(filepath.Join(root, "digital-leadership", name))
		if err != nil {
			f.Fatal(err)
		}
		base["prog/"+name] = &fstest.MapFile{Data: b}
	}
	// A loader compiles the schema once; reusing it across inputs makes
	// fuzzing several times faster. Its CUE context grows with every
	// evaluation, so it is renewed now and then.
	var l *schema.Loader
	runs := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"prog/program.cue": &fstest.MapFile{Data: data}}
		for k, v := range base {
			fsys[k] = v
		}
		if runs++; l == nil || runs%200 == 0 {
			var err error
			if l, err = schema.NewLoader(); err != nil {
				t.Fatal(err)
			}
			l.Limits = schema.Limits{Time: 10 * time.Second, Heap: 1 << 30}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		res, err := l.LoadFS(ctx, fsys, "prog")
		var le *schema.LimitError
		if errors.As(err, &le) {
			t.Fatalf("runaway evaluation: %v", err)
		}
		if err != nil {
			t.Fatalf("LoadFS returned an error instead of diagnostics: %v", err)
		}
		for _, d := range res.Diagnostics {
			// The loader turns a panic into this diagnostic; for the
			// fuzzer it is still a crash to fix.
			if strings.HasPrefix(d.Message, "internal error") {
				l = nil
				t.Fatalf("panic while loading: %s", d)
			}
		}
	})
}
