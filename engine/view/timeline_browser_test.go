package view_test

import (
	"bytes"
	"context"

	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rmctl/rmctl/engine/view"
)

// chromium returns the browser's path. Outside CI a machine without it
// skips the browser test; under CI a missing browser is a failure, so the
// test cannot quietly stop running.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed, and CI is set: install Debian's chromium (.ci/run does)")
	}
	t.Skip("chromium is not installed (apt-get install chromium); CI runs this test")
	return ""
}

// mark is where the browser laid out one element.
type mark struct {
	Pair    string  `json:"pair"`
	Session int     `json:"session"`
	X       float64 `json:"x"`
	Y       float64 `json:"y"`
}

// TestTimelineInBrowser renders the example's HTML timeline in headless
// Chromium and checks what a person would see: every pair and every
// session is on the page, rows in declaration order top to bottom,
// sessions in plan order left to right, and the screenshot is not blank.
// With -update it refreshes docs/timeline.png, the README's picture.
func TestTimelineInBrowser(t *testing.T) {
	exe := chromium(t)
	tl := exampleTimeline(t)
	var page bytes.Buffer
	if err := view.TimelineHTML(&page, tl); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "timeline.html")
	if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox refuses to start
		chromedp.WindowSize(1200, 520),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	defer cancelBrowser()

	if err := chromedp.Do(ctx,
		chromedp.Navigate("file://"+file),
		chromedp.WaitVisible(chromedp.CSS("svg.timeline")),
	); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]mark](`Array.from(document.querySelectorAll("g.marks[data-pair]")).map(g => {
		const b = document.querySelector('g[data-pair-label="' + g.dataset.pair + '"] rect').getBoundingClientRect();
		return {pair: g.dataset.pair, session: 0, x: b.x, y: b.y};
	})`))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	sessions, err := chromedp.Run(ctx, chromedp.Evaluate[[]mark](`Array.from(document.querySelectorAll("g.session[data-session]")).map(g => {
		const b = g.getBoundingClientRect();
		return {pair: g.dataset.pair, session: Number(g.dataset.session), x: b.x + b.width / 2, y: b.y + b.height / 2};
	})`))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		t.Fatalf("chromium: printing: %v", err)
	}
	// Printed, the page's own @page rule applies: one A4 landscape sheet
	// (842 × 595 points) for the example's seven pairs.
	box := regexp.MustCompile(`/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]`).FindAllSubmatch(pdf, -1)
	pages := len(regexp.MustCompile(`/Type /Page[^s]`).FindAll(pdf, -1))
	if len(box) != 1 || pages != 1 {
		t.Errorf("printed to %d pages (%d media boxes), want 1", pages, len(box))
	} else if w, h := atof(box[0][1]), atof(box[0][2]); math.Abs(w-842) > 2 || math.Abs(h-595) > 2 {
		t.Errorf("printed on %.0f × %.0f points, want A4 landscape (842 × 595)", w, h)
	}

	p := tl.Programs[0]
	if len(rows) != len(p.Pairs) {
		t.Fatalf("%d pair rows on the page, want %d", len(rows), len(p.Pairs))
	}
	for i, r := range rows {
		if r.Pair != p.Pairs[i].ID {
			t.Errorf("row %d is pair %s, want %s", i, r.Pair, p.Pairs[i].ID)
		}
		if i > 0 && r.Y <= rows[i-1].Y {
			t.Errorf("row %s (y %.1f) is not below row %s (y %.1f)", r.Pair, r.Y, rows[i-1].Pair, rows[i-1].Y)
		}
	}
	byPair := map[string][]mark{}
	for _, s := range sessions {
		byPair[s.Pair] = append(byPair[s.Pair], s)
	}
	for i, pr := range p.Pairs {
		got := byPair[pr.ID]
		if len(got) != len(pr.Sessions) {
			t.Errorf("pair %s: %d sessions on the page, want %d", pr.ID, len(got), len(pr.Sessions))
			continue
		}
		for n, s := range got {
			if s.Session != n+1 {
				t.Errorf("pair %s: mark %d is session %d", pr.ID, n, s.Session)
			}
			if n > 0 && s.X <= got[n-1].X {
				t.Errorf("pair %s: session %d (x %.1f) is not right of session %d (x %.1f)", pr.ID, s.Session, s.X, got[n-1].Session, got[n-1].X)
			}
			// A session sits in its own pair's row, between the rows above and below.
			if i > 0 && s.Y <= rows[i].Y || i+1 < len(rows) && s.Y >= rows[i+1].Y {
				t.Errorf("pair %s: session %d at y %.1f lies outside its row", pr.ID, s.Session, s.Y)
			}
		}
	}

	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if v, dark := lumaStats(img); v < 200 || dark < 0.01 {
		t.Errorf("the screenshot looks blank: luma variance %.1f, %.2f%% dark pixels", v, dark*100)
	}
	if *update {
		if err := os.WriteFile("../../docs/timeline.png", shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func atof(b []byte) float64 {
	f, _ := strconv.ParseFloat(string(b), 64)
	return f
}

// lumaStats returns the variance of the image's brightness (0–255) and the
// share of pixels darker than light grey: a blank or single-colour page has
// neither.
func lumaStats(img image.Image) (variance, dark float64) {
	b := img.Bounds()
	var sum, sq float64
	var n, darkN int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			l := (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
			sum += l
			sq += l * l
			n++
			if l < 200 {
				darkN++
			}
		}
	}
	if n == 0 {
		return 0, 0
	}
	mean := sum / float64(n)
	return sq/float64(n) - mean*mean, float64(darkN) / float64(n)
}
