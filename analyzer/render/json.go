package render

import (
	"encoding/json"
	"io"
)

// JSON writes v (a Report, a ReportSet or a check result) as indented JSON.
// Map keys are sorted, so the output is deterministic.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
