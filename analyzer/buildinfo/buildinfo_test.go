package buildinfo

import (
	"encoding/json"
	"runtime/debug"
	"testing"
)

func TestRead(t *testing.T) {
	xexp := &debug.Module{Path: XExpPath, Version: "v0.0.0-20261113113407-e3970619a1a4"}
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: "2026-12-01T20:10:09Z"}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "fca0b3f0f462f9b21eaf2577ab7681c70e4e06af"
	cases := []struct {
		name string
		bi   *debug.BuildInfo
		want Producer
	}{
		{"no build info", nil, Producer{Gotrace: Devel, XExp: Unknown}},
		{"go install @version", &debug.BuildInfo{
			Main: debug.Module{Path: ModulePath, Version: "v1.2.0"}, Deps: []*debug.Module{xexp},
		}, Producer{Gotrace: "v1.2.0", XExp: xexp.Version}},
		{"go build from a modified clone stamps a pseudo-version", &debug.BuildInfo{
			Main:     debug.Module{Path: ModulePath, Version: "v0.0.0-20261201201009-fca0b3f0f462+dirty"},
			Deps:     []*debug.Module{xexp},
			Settings: vcs(rev, "true"),
		}, Producer{Gotrace: "v0.0.0-20261201201009-fca0b3f0f462+dirty", XExp: xexp.Version}},
		{"(devel) with a VCS revision", &debug.BuildInfo{
			Main: debug.Module{Path: ModulePath, Version: Devel}, Deps: []*debug.Module{xexp}, Settings: vcs(rev, "false"),
		}, Producer{Gotrace: "devel-fca0b3f0f462", XExp: xexp.Version}},
		{"(devel) with a modified checkout", &debug.BuildInfo{
			Main: debug.Module{Path: ModulePath, Version: Devel}, Deps: []*debug.Module{xexp}, Settings: vcs(rev, "true"),
		}, Producer{Gotrace: "devel-fca0b3f0f462+dirty", XExp: xexp.Version}},
		{"(devel) without VCS (go run, go test, -buildvcs=false)", &debug.BuildInfo{
			Main: debug.Module{Path: ModulePath, Version: Devel}, Deps: []*debug.Module{xexp},
		}, Producer{Gotrace: Devel, XExp: xexp.Version}},
		{"a dependency of another program", &debug.BuildInfo{
			Main: debug.Module{Path: "example.com/app", Version: "v3.0.0"},
			Deps: []*debug.Module{{Path: ModulePath, Version: "v0.4.1"}, xexp}, Settings: vcs(rev, "false"),
		}, Producer{Gotrace: "v0.4.1", XExp: xexp.Version}},
		{"a dependency replaced by a directory", &debug.BuildInfo{
			Main: debug.Module{Path: "example.com/app"},
			Deps: []*debug.Module{{Path: ModulePath, Version: "v0.4.1", Replace: &debug.Module{Path: "../gotrace"}},
				{Path: XExpPath, Version: "v0.0.1", Replace: &debug.Module{Path: XExpPath, Version: "v0.0.2"}}},
		}, Producer{Gotrace: Devel, XExp: "v0.0.2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Read(c.bi); got != c.want {
				t.Errorf("Read = %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestCurrent holds the running binary to the rule: a test binary, whose
// main module is gotrace, without VCS stamping. (This package does not link
// x/exp; cmd/gotrace's tests check its version against go.mod.)
func TestCurrent(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Skip("no build information")
	}
	p := Current()
	if p != Read(bi) || Version() != p.Gotrace {
		t.Errorf("Current = %+v, Version = %q; Read = %+v", p, Version(), Read(bi))
	}
	if p.Gotrace != Devel {
		t.Errorf("a test binary's gotrace version is %q, want %s", p.Gotrace, Devel)
	}
}

func TestHeaderJSON(t *testing.T) {
	doc := struct {
		Header
		Rest int `json:"rest"`
	}{Header: Header{Schema: 1, Kind: "gotrace.test", Producer: Producer{Gotrace: "v1.0.0", XExp: "v0.0.1"}}, Rest: 7}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schema":1,"kind":"gotrace.test","producer":{"gotrace":"v1.0.0","golang.org/x/exp":"v0.0.1"},"rest":7}`
	if string(b) != want {
		t.Errorf("JSON\n%s\nwant\n%s", b, want)
	}
	if h := NewHeader("gotrace.x", 3); h.Kind != "gotrace.x" || h.Schema != 3 || h.Producer != Current() {
		t.Errorf("NewHeader = %+v", h)
	}
}
