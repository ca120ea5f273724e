package ical

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/resource"
)

// BenchmarkFeedLongName rebuilds a feed whose objects carry a very long
// attendee name (CN parameter). Issue 8 item 4: a 64 KB name took 93 s
// and a 1 MB one never finished, because go-ical's decoder builds
// parameter values one byte at a time. The schema now bounds names, but
// objects can come from older runs or other writers, so Feed must stay
// linear in its input whatever it holds.
//
//	go test ./engine/ical -run '^$' -bench FeedLongName -benchtime 3x
func BenchmarkFeedLongName(b *testing.B) {
	for _, size := range []int{64 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			r := session()
			long := resource.Attendee{ID: "x", Name: strings.Repeat("Ä", size/2), Email: "x@example.com"}
			r.Attendees = []resource.Attendee{long, anna}
			obj, err := Object(r, 1, stamp, "")
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(obj)))
			b.ResetTimer()
			for range b.N {
				if _, err := Feed("x", [][]byte{obj}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestFeedLongNameLinear rebuilds a feed from an object with a 1 MB
// attendee name. With go-ical's quadratic parameter decoding this took
// minutes; linear decoding takes milliseconds, so a generous deadline
// tells the two apart without being sensitive to a busy machine.
func TestFeedLongNameLinear(t *testing.T) {
	r := session()
	name := strings.Repeat("Ä", 1<<19) // 1 MB of UTF-8
	r.Attendees = []resource.Attendee{{ID: "x", Name: name, Email: "x@example.com"}, anna}
	obj, err := Object(r, 1, stamp, "")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []byte, 1)
	go func() {
		feed, err := Feed("x", [][]byte{obj})
		if err != nil {
			t.Error(err)
		}
		done <- feed
	}()
	select {
	case feed := <-done:
		cal, err := decode(feed)
		if err != nil {
			t.Fatal(err)
		}
		if got := mainOf(t, cal).Props.Values("ATTENDEE")[0].Params.Get("CN"); got != name {
			t.Errorf("CN of %d bytes read back, want the %d-byte name", len(got), len(name))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("rebuilding a feed with a 1 MB name took over 20 s: decoding is not linear")
	}
}
