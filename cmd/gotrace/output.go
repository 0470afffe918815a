package main

import (
	"bufio"
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

// write opens the destination, calls fn, and closes it, reporting errors
// with the file name.
func (o *outputFlags) write(stdout io.Writer, fn func(w io.Writer) error) error {
	if o.out == "" || o.out == "-" {
		bw := bufio.NewWriter(stdout)
		if err := fn(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	f, err := os.Create(o.out)
	if err != nil {
		return usageErr("cannot write output: %v", err)
	}
	bw := bufio.NewWriter(f)
	if err := fn(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return usageErr("%s: %v", o.out, err)
	}
	if err := f.Close(); err != nil {
		return usageErr("%s: %v", o.out, err)
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
