package schema

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkLoad times Load on generated programs of growing size. The
// generator runs once per size outside the timer.
func BenchmarkLoad(b *testing.B) {
	for _, pairs := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("pairs=%d", pairs), func(b *testing.B) {
			dir := generate(b, pairs)
			l, err := NewLoader()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				res, err := l.Load(context.Background(), dir)
				if err != nil {
					b.Fatal(err)
				}
				if res.Diagnostics.HasErrors() {
					b.Fatalf("generated program invalid: %v", res.Diagnostics[0])
				}
			}
		})
	}
}

func generate(tb testing.TB, pairs int) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "prog")
	cmd := exec.Command("go", "run", "../examples/gen", "-pairs", fmt.Sprint(pairs), "-out", dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("generating program: %v", err)
	}
	return dir
}
