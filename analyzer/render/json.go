package render

import (
	"encoding/json"
	"fmt"
	"io"
)

// document is what every JSON output of gotrace is: a type that embeds
// buildinfo.Header, whose kind says what it holds.
type document interface {
	DocumentKind() string
}

// JSON writes v, a gotrace document (a Report, a ReportSet, a check result,
// or any later kind: a type embedding buildinfo.Header, filled by
// buildinfo.NewHeader), as indented JSON. Map keys are sorted, so the output
// is deterministic. A value without a kind is refused, so that no JSON
// output leaves out what it is and which build produced it.
func JSON(w io.Writer, v any) error {
	d, ok := v.(document)
	if !ok || d.DocumentKind() == "" {
		return fmt.Errorf("%T is not a gotrace JSON document: it needs a buildinfo.Header with a kind", v)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
