package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/render"
)

// outputFlags are the flags every reporting command shares.
type outputFlags struct {
	format string
	out    string
}

var reportFormats = []string{"text", "json", "markdown", "html"}

func (o *outputFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&o.format, "format", "text", "output format: "+strings.Join(reportFormats, ", "))
	c.Flags().StringVarP(&o.out, "output", "o", "", "write the report to `FILE` instead of standard output")
}

func (o *outputFlags) validate() error {
	for _, f := range reportFormats {
		if o.format == f {
			return nil
		}
	}
	return usageErr("unknown --format %q; use one of %s", o.format, strings.Join(reportFormats, ", "))
}

// write renders with fn and writes the result to the destination. A file
// is written only after rendering succeeded, so a failure leaves an
// existing file as it was. Errors name the file.
func (o *outputFlags) write(stdout io.Writer, fn func(w io.Writer) error) error {
	var buf bytes.Buffer
	if err := fn(&buf); err != nil {
		return fmt.Errorf("rendering the %s output: %w", o.format, err)
	}
	if o.out == "" || o.out == "-" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(o.out, buf.Bytes(), 0o666); err != nil {
		return usageErr("cannot write output: %v", err)
	}
	return nil
}

// writeReports renders one report, or a set of reports, in the chosen format.
func (o *outputFlags) writeReports(w io.Writer, set *analyzer.ReportSet) error {
	reports := set.Reports
	switch o.format {
	case "json":
		if len(reports) == 1 {
			return render.JSON(w, reports[0])
		}
		return render.JSON(w, set)
	case "markdown":
		for i, r := range reports {
			if i > 0 {
				fmt.Fprintln(w)
			}
			if err := render.Markdown(w, r); err != nil {
				return err
			}
		}
		return nil
	case "html":
		return renderHTML(w, set)
	default:
		for i, r := range reports {
			if i > 0 {
				fmt.Fprintln(w)
			}
			if err := render.Text(w, r); err != nil {
				return err
			}
		}
		return nil
	}
}

// renderHTML is set by html.go when the HTML renderer is built in.
var renderHTML = func(w io.Writer, set *analyzer.ReportSet) error {
	return usageErr("--format html is not available in this build")
}
