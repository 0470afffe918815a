package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
			return o.checkDest()
		}
	}
	return usageErr("unknown --format %q; use one of %s", o.format, strings.Join(reportFormats, ", "))
}

// checkDest makes sure -o can be written, before any work: its directory
// exists and takes a new file, and it is not a directory itself.
func (o *outputFlags) checkDest() error {
	if o.out == "" || o.out == "-" {
		return nil
	}
	if st, err := os.Stat(o.out); err == nil && st.IsDir() {
		return usageErr("-o %s is a directory; give a file name", o.out)
	}
	if special(o.out) {
		return nil // written in place: opening it is the check
	}
	f, err := os.CreateTemp(filepath.Dir(o.out), ".gotrace-*")
	if err != nil {
		return usageErr("-o %s: cannot write there: %v", o.out, pathErr(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// pathErr is the cause of an error about a path, without the path.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// write renders with fn and writes the result to the destination. A file
// is written to a temporary file in the same directory, then renamed over
// the destination: a failure (rendering, a full disk) leaves an existing
// file as it was and no partial file. Errors name the file.
func (o *outputFlags) write(stdout io.Writer, fn func(w io.Writer) error) error {
	var buf bytes.Buffer
	if err := fn(&buf); err != nil {
		return fmt.Errorf("rendering the %s output: %w", o.format, err)
	}
	if o.out == "" || o.out == "-" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := writeFileAtomic(o.out, buf.Bytes()); err != nil {
		return usageErr("cannot write output %s: %v", o.out, err)
	}
	return nil
}

// special reports whether path is an existing file that is not a regular
// one, such as /dev/null or a FIFO: it is written in place, never replaced
// by a rename (which, for root, would put a regular file in /dev/null's
// place).
func special(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.Mode().IsRegular() && !st.IsDir()
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory and a rename. The file keeps the mode of the one it replaces,
// or gets 0644. A special file (see special) is written in place.
func writeFileAtomic(path string, data []byte) error {
	if special(path) {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return pathErr(err)
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return pathErr(err)
	}
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".gotrace-*")
	if err != nil {
		return pathErr(err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, mode)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return pathErr(err)
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
