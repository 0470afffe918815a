package render

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/internal/machinelock"
)

// The HTML report in a real browser: headless Chromium (Debian's chromium
// package) loads the page, must log nothing to its console (the page has no
// script, so any console message is an error such as a blocked load), must
// hold every chart in its DOM, and takes a screenshot in the light and in
// the dark scheme. Set GOTRACE_SCREENSHOT_DIR to keep the screenshots and
// the page.

const htmlChromiumWidth, htmlChromiumHeight = 1280, 2400

// htmlChromium returns the Chromium binary, or skips the test.
func htmlChromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("headless Chromium test skipped under -short")
	}
	bin := "/usr/bin/chromium"
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("headless Chromium test skipped: %s not found (apt-get install chromium)", bin)
	}
	return bin
}

// htmlRunChromium runs headless Chromium on the file with extra flags and
// returns its standard output and the console messages it logged.
func htmlRunChromium(t *testing.T, bin, file string, extra ...string) (stdout string, console []string) {
	t.Helper()
	machinelock.Hold(t) // Chromium loads both CPUs: not beside a test that measures
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--hide-scrollbars", "--mute-audio",
		"--user-data-dir=" + t.TempDir(),
		"--enable-logging=stderr", "--v=0",
		fmt.Sprintf("--window-size=%d,%d", htmlChromiumWidth, htmlChromiumHeight),
	}
	args = append(args, extra...)
	args = append(args, "file://"+file)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.WaitDelay = 5 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(extra, " "), err, htmlTail(errOut.String(), 3000))
	}
	for _, line := range strings.Split(errOut.String(), "\n") {
		if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Uncaught") {
			console = append(console, line)
		}
	}
	return out.String(), console
}

func htmlTail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func TestHTMLChromium(t *testing.T) {
	bin := htmlChromium(t)
	dir := t.TempDir()

	// The console check must be able to fail: a page that logs an error
	// and throws must show up.
	canary := filepath.Join(dir, "canary.html")
	if err := os.WriteFile(canary, []byte(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>canary</title></head><body><p>canary</p><script>console.error("gotrace-canary"); undefinedGotraceFunction();</script></body></html>`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, console := htmlRunChromium(t, bin, canary, "--dump-dom"); !strings.Contains(strings.Join(console, "\n"), "gotrace-canary") || len(console) < 2 {
		t.Fatalf("Chromium's console log is not captured (got %q): cannot check the report for console errors", console)
	}

	r := htmlSharedReport(t)
	if r == nil {
		r = htmlGeneratedReport(t)
	}
	var buf bytes.Buffer
	if err := HTML(&buf, analyzer.NewReportSet([]*analyzer.Report{r}, "")); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "gotrace-report.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	// The DOM as Chromium parsed it: every chart present and drawn.
	dom, console := htmlRunChromium(t, bin, page, "--dump-dom")
	if len(console) > 0 {
		t.Errorf("console messages while loading the report:\n%s", strings.Join(console, "\n"))
	}
	if !strings.Contains(dom, "</html>") {
		t.Fatalf("--dump-dom gave no document:\n%s", htmlTail(dom, 2000))
	}
	htmlCheckCharts(t, dom, "r1")

	shots := map[string]string{}
	for _, scheme := range []struct {
		name, pref string
		bg         [3]uint8 // the page background, --bg
		user       [3]uint8 // user-code bars, --user
	}{
		{"light", "1", [3]uint8{0xff, 0xff, 0xff}, [3]uint8{0x2f, 0x6f, 0xdf}},
		{"dark", "0", [3]uint8{0x0d, 0x11, 0x17}, [3]uint8{0x4c, 0x8d, 0xff}},
	} {
		png := filepath.Join(dir, "gotrace-report-"+scheme.name+".png")
		_, console := htmlRunChromium(t, bin, page, "--screenshot="+png, "--blink-settings=preferredColorScheme="+scheme.pref)
		if len(console) > 0 {
			t.Errorf("%s: console messages:\n%s", scheme.name, strings.Join(console, "\n"))
		}
		htmlCheckScreenshot(t, png, scheme.bg, scheme.user)
		shots[png] = filepath.Base(png)
	}
	if out := os.Getenv("GOTRACE_SCREENSHOT_DIR"); out != "" {
		shots[page] = filepath.Base(page)
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		for src, name := range shots {
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", filepath.Join(out, name))
		}
	}
}

// htmlCheckScreenshot checks that the PNG decodes, has the window's size,
// is not blank, has the scheme's background at its corner and shows the
// chart's user-code colour over a fair area.
func htmlCheckScreenshot(t *testing.T, path string, bg, user [3]uint8) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	st, _ := f.Stat()
	if st.Size() < 20<<10 {
		t.Errorf("%s: only %d bytes", path, st.Size())
	}
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	if b.Dx() != htmlChromiumWidth || b.Dy() != htmlChromiumHeight {
		t.Errorf("%s: %dx%d, want %dx%d", path, b.Dx(), b.Dy(), htmlChromiumWidth, htmlChromiumHeight)
	}
	colors := map[[3]uint8]int{}
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			colors[htmlRGB(img, x, y)]++
		}
	}
	if len(colors) < 32 {
		t.Errorf("%s: only %d colours: blank page?", path, len(colors))
	}
	if c := htmlRGB(img, b.Min.X+2, b.Min.Y+2); !htmlNear(c, bg, 8) {
		t.Errorf("%s: background %v, want %v", path, c, bg)
	}
	var userPx int
	for c, n := range colors {
		if htmlNear(c, user, 12) {
			userPx += n
		}
	}
	if userPx < 500 {
		t.Errorf("%s: %d sampled pixels of the user-code colour %v: P utilization chart not drawn?", path, userPx, user)
	}
}

func htmlRGB(img image.Image, x, y int) [3]uint8 {
	r, g, b, _ := img.At(x, y).RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}

func htmlNear(a, b [3]uint8, tol int) bool {
	for i := range a {
		if d := int(a[i]) - int(b[i]); d > tol || d < -tol {
			return false
		}
	}
	return true
}
