package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the gotrace version and the trace formats it reads",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := "(devel)"
			xv := "unknown"
			if bi, ok := debug.ReadBuildInfo(); ok {
				if bi.Main.Version != "" {
					v = bi.Main.Version
				}
				for _, d := range bi.Deps {
					if d.Path == "golang.org/x/exp" {
						xv = d.Version
					}
				}
			}
			fmt.Fprintf(a.stdout, "gotrace %s (%s, %s/%s)\nreads trace formats go 1.11 through go 1.26 with golang.org/x/exp/trace %s\n",
				v, runtime.Version(), runtime.GOOS, runtime.GOARCH, xv)
			return nil
		},
	}
}
