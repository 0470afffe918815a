package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gotrace/gotrace/analyzer/check"
	"github.com/gotrace/gotrace/workloads"
)

var shells = []string{"bash", "zsh", "fish", "powershell"}

func (a *app) completionCmd() *cobra.Command {
	var noDesc bool
	c := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script: commands, flags, workloads, --set keys, metric names",
		Long: `Completion prints the script that makes a shell complete gotrace's commands and
flags, workload names (gotrace run, check --run), the --set keys of the chosen
workload, metric names (--threshold, --max, --min, --metric) and --format values.
The script asks gotrace itself for the candidates, so it stays current.`,
		Example: `  gotrace completion bash > ~/.local/share/bash-completion/completions/gotrace
  gotrace completion zsh > "${fpath[1]}/_gotrace"
  gotrace completion fish > ~/.config/fish/completions/gotrace.fish
  gotrace completion powershell | Out-String | Invoke-Expression`,
		ValidArgs: shells,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 || !contains(shells, args[0]) {
				return usageErr("completion needs one shell: %s (see gotrace completion --help)", strings.Join(shells, ", "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			root, w := cmd.Root(), a.stdout
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(w, !noDesc)
			case "zsh":
				if noDesc {
					return root.GenZshCompletionNoDesc(w)
				}
				return root.GenZshCompletion(w)
			case "fish":
				return root.GenFishCompletion(w, !noDesc)
			default:
				if noDesc {
					return root.GenPowerShellCompletion(w)
				}
				return root.GenPowerShellCompletionWithDesc(w)
			}
		},
	}
	c.Flags().BoolVar(&noDesc, "no-descriptions", false, "complete without a description beside each candidate")
	return c
}

// addCompletions gives every command and flag of the tree under root its
// dynamic completion, by what the flag is (its name, its value type, the
// placeholder of its usage text), so commands added later are covered too.
// A completion a command registered itself is kept.
func addCompletions(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 && len(strings.Fields(c.Use)) == 1 {
			c.ValidArgsFunction = cobra.NoFileCompletions // no positional arguments
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if _, ok := c.GetFlagCompletionFunc(f.Name); ok {
				return
			}
			if fn := flagCompletion(f); fn != nil {
				c.RegisterFlagCompletionFunc(f.Name, fn)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// formatList reads the values of a --format flag from its usage text
// ("output format: text, json, markdown").
var formatList = regexp.MustCompile(`format: ([a-z0-9]+(?:, [a-z0-9]+)*)`)

// flagCompletion returns the completion of a flag's value, or nil for file
// names (the shell's default).
func flagCompletion(f *pflag.Flag) cobra.CompletionFunc {
	switch f.Name {
	case "set", "sweep":
		return completeParams(f.Name == "sweep")
	case "run":
		return completeWorkloads
	case "threshold", "max", "min":
		return completeMetrics("=")
	case "metric":
		return completeMetrics("")
	case "format":
		if m := formatList.FindStringSubmatch(f.Usage); m != nil {
			return cobra.FixedCompletions(strings.Split(m[1], ", "), cobra.ShellCompDirectiveNoFileComp)
		}
	}
	switch f.Value.Type() {
	case "bool":
		return nil // takes no value
	case "int", "int64", "uint", "uint64", "float64", "duration":
		return cobra.NoFileCompletions
	}
	switch placeholder, _ := pflag.UnquoteUsage(f); placeholder {
	case "FILE":
		return nil
	case "DIR":
		return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		}
	}
	return cobra.NoFileCompletions
}

// completeWorkloads completes a workload name (the argument of run and
// workloads, the value of --run).
func completeWorkloads(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, w := range workloads.All() {
		if strings.HasPrefix(w.Name, toComplete) {
			out = append(out, cobra.CompletionWithDesc(w.Name, w.Summary))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeWorkloadArg completes the first argument with a workload name.
func completeWorkloadArg(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return completeWorkloads(cmd, args, toComplete)
}

// chosenWorkload is the workload the command line names: --run's value, or
// the first argument (gotrace run NAME).
func chosenWorkload(cmd *cobra.Command, args []string) *workloads.Workload {
	if f := cmd.Flags().Lookup("run"); f != nil && f.Value.String() != "" {
		w, _ := workloads.Lookup(f.Value.String())
		return w
	}
	if len(args) > 0 {
		w, _ := workloads.Lookup(args[0])
		return w
	}
	return nil
}

// completeParams completes "key=" with the chosen workload's parameters
// (and gomaxprocs, for --sweep).
func completeParams(sweep bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if strings.Contains(toComplete, "=") {
			return nil, cobra.ShellCompDirectiveNoFileComp // the value: nothing to offer
		}
		w := chosenWorkload(cmd, args)
		if w == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		add := func(name, desc string) {
			if strings.HasPrefix(name, toComplete) {
				out = append(out, cobra.CompletionWithDesc(name+"=", desc))
			}
		}
		for _, p := range w.Params {
			add(p.Name, fmt.Sprintf("%s (default %s)", p.Help, p.Default))
		}
		if sweep {
			add("gomaxprocs", "GOMAXPROCS of the workload process")
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

// completeMetrics completes a metric name, followed by suffix ("=" for
// METRIC=VALUE flags).
func completeMetrics(suffix string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if suffix != "" && strings.Contains(toComplete, suffix) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, s := range check.Specs() {
			if !strings.HasPrefix(s.Metric, toComplete) {
				continue
			}
			desc := s.Direction.String() + " is better"
			if s.Direction == check.Neutral {
				desc = "no direction"
			}
			if s.Gated {
				desc += ", gated by default"
			}
			out = append(out, cobra.CompletionWithDesc(s.Metric+suffix, desc))
		}
		directive := cobra.ShellCompDirectiveNoFileComp
		if suffix != "" {
			directive |= cobra.ShellCompDirectiveNoSpace
		}
		return out, directive
	}
}
