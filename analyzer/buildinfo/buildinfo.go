// Package buildinfo says which build of gotrace is running, and heads every
// JSON document gotrace writes with what the document is (its kind and the
// version of its form) and which build produced it.
//
// A new kind of gotrace JSON output embeds a Header, first, in its
// top-level type, fills it with NewHeader and is written with render.JSON
// (which refuses a value without a kind):
//
//	type Diff struct {
//		buildinfo.Header
//		...
//	}
//	d := &Diff{Header: buildinfo.NewHeader("gotrace.diff", 1)}
package buildinfo

import (
	"runtime/debug"
	"strings"
	"sync"
)

// Module paths the producer names.
const (
	ModulePath = "github.com/gotrace/gotrace"
	XExpPath   = "golang.org/x/exp" // the module of golang.org/x/exp/trace, the trace parser
)

// Devel is the version of a build that carries neither a module version nor
// a VCS revision (go run, go test, or -buildvcs=false).
const Devel = "(devel)"

// Unknown is the version of a module the build information does not list.
const Unknown = "unknown"

// Producer names the build that wrote a document.
type Producer struct {
	// Gotrace is gotrace's version: the module version when it was
	// installed with go install ...@version or is a dependency ("v1.2.0",
	// or a pseudo-version such as "v0.0.0-20261201201009-fca0b3f0f462",
	// with "+dirty" for a build from a modified checkout); a build that has
	// only a VCS revision gives "devel-REVISION" (12 hex digits, "+dirty"
	// when modified); else Devel.
	Gotrace string `json:"gotrace"`
	// XExp is the version of golang.org/x/exp, whose trace package parsed
	// the traces.
	XExp string `json:"golang.org/x/exp"`
}

// Current returns the producer of the running binary. It reads the build
// information once.
func Current() Producer { return current() }

var current = sync.OnceValue(func() Producer {
	bi, _ := debug.ReadBuildInfo()
	return Read(bi)
})

// Version returns the running gotrace's version (Producer.Gotrace).
func Version() string { return Current().Gotrace }

// Read derives the producer from a binary's build information: gotrace is
// the main module (the gotrace command) or a dependency (a program using the
// library). bi may be nil.
func Read(bi *debug.BuildInfo) Producer {
	p := Producer{Gotrace: Devel, XExp: Unknown}
	if bi == nil {
		return p
	}
	if bi.Main.Path == ModulePath {
		p.Gotrace = mainVersion(bi)
	}
	for _, d := range bi.Deps {
		switch d.Path {
		case ModulePath:
			p.Gotrace = depVersion(d)
		case XExpPath:
			p.XExp = depVersion(d)
		}
	}
	return p
}

// mainVersion is the version of the main module, or its VCS revision.
func mainVersion(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != Devel {
		return v // go install ...@v, or go build stamping a pseudo-version
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return Devel
	}
	v := "devel-" + rev[:min(len(rev), 12)]
	if dirty {
		v += "+dirty"
	}
	return v
}

// depVersion is a dependency's version, or its replacement's.
func depVersion(m *debug.Module) string {
	if m.Replace != nil {
		m = m.Replace
	}
	if m.Version == "" || strings.HasPrefix(m.Version, "(") {
		return Devel // replaced by a local directory
	}
	return m.Version
}

// Header opens every JSON document gotrace writes. Embedded first in a
// document's type, its fields come first in the JSON.
type Header struct {
	// Schema is the version of this kind's JSON form. It changes when a
	// field is removed or changes meaning; adding fields keeps it.
	Schema int `json:"schema"`
	// Kind says what the document is: "gotrace.report", "gotrace.reportset",
	// "gotrace.check", ...
	Kind string `json:"kind"`
	// Producer is the build that wrote it.
	Producer Producer `json:"producer"`
}

// DocumentKind returns the kind: a type that embeds a Header is a gotrace
// JSON document (render.JSON writes only those).
func (h Header) DocumentKind() string { return h.Kind }

// NewHeader returns the header of a document of the given kind and schema
// version, produced by the running binary.
func NewHeader(kind string, schema int) Header {
	return Header{Schema: schema, Kind: kind, Producer: Current()}
}
