package render

import (
	"bytes"
	"strings"
	"testing"
)

func TestCheckHTML(t *testing.T) {
	for name, res := range checkCases(t) {
		t.Run(name, func(t *testing.T) {
			res.Warnings = append(res.Warnings, `a <script>alert("x")</script> warning`)
			var buf bytes.Buffer
			if err := CheckHTML(&buf, res); err != nil {
				t.Fatal(err)
			}
			page := buf.String()
			if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(page, "gotrace check: <span class=\"status status-"+strings.ReplaceAll(res.Status, " ", "-")+"\">") {
				t.Errorf("no verdict heading")
			}
			for _, row := range res.Rows {
				if !strings.Contains(page, ">"+row.Metric+"<") || !strings.Contains(page, string(row.Verdict)) {
					t.Errorf("row %s missing", row.Metric)
				}
			}
			for _, b := range res.Budgets {
				if !strings.Contains(page, ">"+b.Metric+"<") {
					t.Errorf("budget %s missing", b.Metric)
				}
			}
			if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;") {
				t.Errorf("warning not escaped")
			}
			if strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, " src=") {
				t.Errorf("page refers to something outside itself")
			}
			if res.Regressions > 0 && !strings.Contains(page, `class="l bad"`) && !strings.Contains(page, `bad"`) {
				t.Errorf("regressions not marked")
			}
		})
	}
}
