package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gotrace/gotrace/analyzer/check"
	"github.com/gotrace/gotrace/analyzer/diff"
	"github.com/gotrace/gotrace/analyzer/render"
)

func (a *app) diffCmd() *cobra.Command {
	var out outputFlags
	var af analysisFlags
	var alpha float64
	c := &cobra.Command{
		Use:   "diff BASE CURRENT",
		Short: "Show where two runs differ: metrics, goroutine groups, blocking and syscall stacks, latency, tasks",
		Long: `Diff compares two runs section by section and ranks each section by the size
of the change: headline metrics, goroutine groups (time per state and reason
class), blocking stacks by reason with the user's file:line (new and vanished
stacks marked), syscall stacks, scheduler latency and run-slice quantiles, and
task and region types.

Each side is a trace, a JSON report, or a report set (analyze --format json of
several traces, or run --count N --format json). With several samples a side
every row gets check's statistics (medians, Mann-Whitney U test, p value) and
significant changes rank first; with one sample a side the rows are plain
differences. Traces of the two sides are analyzed at the same time.

--pprof DIR writes DIR/base/*.pb.gz and DIR/current/*.pb.gz (both sides must be
traces) for go tool pprof -diff_base.`,
		Example: `  gotrace diff before.trace after.trace
  gotrace run mutex --count 5 --format json -o base.json
  gotrace run mutex --count 5 --set work=40us --format json -o slow.json
  gotrace diff base.json slow.json
  gotrace diff --pprof prof before.trace after.trace && go tool pprof -top -diff_base prof/base/sync.pb.gz prof/current/sync.pb.gz`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageErr("diff needs two inputs, BASE and CURRENT (traces, JSON reports or report sets), not %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if err := af.validate(); err != nil {
				return err
			}
			if !(alpha > 0 && alpha < 1) {
				return usageErr("--alpha %v out of range; want 0 < alpha < 1 (usually 0.05)", alpha)
			}
			opts, _ := af.options("", a.stderr)
			opts.Progress = nil // two inputs at once: no progress display
			opts.Top = -1       // every stack and group, so that none is cut off one side
			base, cur, err := check.LoadBoth(args[:1], args[1:], opts, a.stdin)
			if err != nil {
				return err
			}
			if af.pprofDir != "" {
				for i, s := range []*check.Samples{base, cur} {
					if len(s.Reports) != 1 || s.Reports[0].Profiles == nil {
						return usageErr("--pprof: %s is not a trace; profiles come from traces only (JSON reports do not keep them)", args[i])
					}
				}
			}
			for _, s := range []*check.Samples{base, cur} {
				for _, w := range s.Warnings {
					fmt.Fprintf(a.stderr, "gotrace: warning: %s\n", w)
				}
			}
			d := check.Diff(base, cur, diff.Options{Alpha: alpha, Top: af.top})
			d.Base.Name, d.Current.Name = args[0], args[1]
			if err := out.write(a.stdout, func(w io.Writer) error {
				switch out.format {
				case "json":
					return render.JSON(w, d)
				case "markdown":
					return render.DiffMarkdown(w, d)
				case "html":
					return render.DiffHTML(w, d)
				default:
					return render.DiffText(w, d)
				}
			}); err != nil {
				return err
			}
			return a.writeDiffPprof(af.pprofDir, base, cur)
		},
	}
	out.register(c)
	af.register(c)
	c.Flags().Float64Var(&alpha, "alpha", check.DefaultAlpha, "significance level of the Mann-Whitney U test")
	c.Flags().Lookup("top").Usage = "rows shown per section (groups, blocking, syscalls, tasks); -1 for all"
	c.Flags().Lookup("pprof").Usage = "also write the base's and the current side's sched, sync, syscall and net profiles into `DIR`/base and DIR/current (for go tool pprof -diff_base)"
	for _, f := range []string{"buckets", "quiet"} {
		c.Flags().MarkHidden(f) // no timeline; no progress display
	}
	return c
}

// writeDiffPprof writes each side's profiles into dir/base and dir/current.
func (a *app) writeDiffPprof(dir string, sides ...*check.Samples) error {
	if dir == "" {
		return nil
	}
	for i, s := range sides {
		if _, err := render.WritePprof(filepath.Join(dir, []string{"base", "current"}[i]), s.Reports[0]); err != nil {
			return usageErr("--pprof: %v", err)
		}
	}
	b, c := filepath.Join(dir, "base"), filepath.Join(dir, "current")
	fmt.Fprintf(a.stderr, "gotrace: wrote %s and %s (%s); compare with go tool pprof -diff_base %s %s\n",
		filepath.Join(b, "*.pb.gz"), filepath.Join(c, "*.pb.gz"), strings.Join(render.PprofKinds, ", "),
		filepath.Join(b, "sync.pb.gz"), filepath.Join(c, "sync.pb.gz"))
	return nil
}

func init() {
	extraCommandFuncs = append(extraCommandFuncs, (*app).diffCmd)
}
