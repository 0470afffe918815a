package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/buildinfo"
)

// versionText is what gotrace version and gotrace --version print: the
// build (see buildinfo.Producer) and the trace formats it reads.
func versionText() string {
	p := buildinfo.Current()
	return fmt.Sprintf("gotrace %s (%s, %s/%s)\nreads trace formats go 1.%d through go 1.%d with golang.org/x/exp/trace %s\n",
		p.Gotrace, runtime.Version(), runtime.GOOS, runtime.GOARCH, analyzer.MinTraceVersion, analyzer.MaxTraceVersion, p.XExp)
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the gotrace version and the trace formats it reads (also --version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprint(a.stdout, versionText())
			return nil
		},
	}
}
