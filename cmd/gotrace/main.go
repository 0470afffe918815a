// Command gotrace analyzes Go execution traces: it runs built-in scheduler
// workloads under runtime/trace, summarizes any trace (goroutines, processor
// utilization, switches, scheduler latency, blocking, syscalls, GC, leaks),
// and gates CI on trace metrics.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/buildinfo"
	"github.com/gotrace/gotrace/analyzer/render"
)

// Exit codes.
const (
	exitOK        = 0
	exitCheckFail = 1 // a regression or a broken budget
	exitUsage     = 2 // usage error or unreadable input
	exitNotEnough = 3 // not enough data to decide
)

// exitError carries an exit code. An empty message prints nothing.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr is a usage error (exit 2).
func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// exitCode maps an error to the process exit code.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, analyzer.ErrIncomplete) {
		return exitNotEnough
	}
	return exitUsage
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	if msg := err.Error(); msg != "" {
		say(stderr, "%s", msg)
	}
	return exitCode(err)
}

// say prints one line on standard error after "gotrace: ", neutralised for
// a terminal (render.Terminal): whatever a file name, a trace or a baseline
// holds, the line stays one line of printable text.
func say(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "gotrace: %s\n", render.Terminal(fmt.Sprintf(format, args...)))
}

// app holds the streams the commands write to.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "gotrace",
		Short: "Analyze Go execution traces: goroutines, Ps, switches, latency, blocking, GC, leaks",
		Long: `gotrace turns Go execution traces into numbers a person can read and a CI job can gate on.

  gotrace run fanout               run a built-in workload under runtime/trace and report
  gotrace analyze trace.out        report on your own trace (go test -trace, runtime/trace, ...)
  gotrace check --baseline b.json  fail CI when trace metrics regress
  gotrace workloads                list the built-in workloads and their parameters

Exit codes: 0 ok, 1 check failed, 2 usage or input error, 3 not enough data.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// The version flag and the one-line unknown-command error need a
		// runnable root; without arguments it prints its help.
		Version: buildinfo.Version(),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q", args[0])
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return usageErr("%s (see gotrace --help)", msg)
		},
		RunE:                       func(cmd *cobra.Command, args []string) error { return cmd.Help() },
		SuggestionsMinimumDistance: 2,
	}
	root.CompletionOptions.DisableDefaultCmd = true // ours is completionCmd
	root.Flags().Bool("version", false, "print the version, as gotrace version does")
	root.SetVersionTemplate(versionText())
	var cpuprofile string
	root.PersistentFlags().StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of gotrace itself to `FILE`")
	root.PersistentFlags().MarkHidden("cpuprofile")
	var stopProfile func()
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if cpuprofile == "" {
			return nil
		}
		f, err := os.Create(cpuprofile)
		if err != nil {
			return usageErr("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return usageErr("--cpuprofile: %v", err)
		}
		stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
		return nil
	}
	root.PersistentPostRun = func(cmd *cobra.Command, args []string) {
		if stopProfile != nil {
			stopProfile()
		}
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr("%v (see %s --help)", err, c.CommandPath())
	})
	root.SetHelpCommand(helpCmd())
	root.AddCommand(a.analyzeCmd(), a.versionCmd(), a.completionCmd())
	for _, c := range extraCommands(a) {
		root.AddCommand(c)
	}
	for _, c := range root.Commands() {
		nameArgErrors(c)
	}
	addCompletions(root)
	return root
}

// helpCmd is cobra's help command, except that an unknown topic is a usage
// error (exit 2), as an unknown command is.
func helpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, _, err := c.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			root := c.Root()
			cmd, rest, err := root.Find(args)
			if err != nil || cmd == nil || len(rest) > 0 {
				return usageErr("unknown help topic %q (see gotrace help)", strings.Join(args, " "))
			}
			cmd.InitDefaultHelpFlag()
			return cmd.Help()
		},
	}
}

// nameArgErrors makes c's argument-count errors name the command, as flag
// errors do: cobra's own say only "accepts at most 1 arg(s), received 2".
func nameArgErrors(c *cobra.Command) {
	check := c.Args
	if check == nil {
		return
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			var ee *exitError
			if errors.As(err, &ee) {
				return err // already ours
			}
			if strings.HasPrefix(err.Error(), "unknown command ") && len(args) > 0 {
				// cobra.NoArgs: `unknown command "x" for "gotrace version"`.
				return usageErr("%s takes no arguments, not %q (see %s --help)", cmd.Name(), args[0], cmd.CommandPath())
			}
			return usageErr("%s: %v (see %s --help)", cmd.Name(), err, cmd.CommandPath())
		}
		return nil
	}
}

// extraCommands lets other files register subcommands.
var extraCommandFuncs []func(*app) *cobra.Command

func extraCommands(a *app) []*cobra.Command {
	var out []*cobra.Command
	for _, f := range extraCommandFuncs {
		out = append(out, f(a))
	}
	return out
}
