package analyzer

import (
	"os/exec"
	"strings"
	"sync"
)

// goRoot returns the GOROOT of the go command on PATH (where the Go
// distribution's test traces are), or "" when there is none.
var goRoot = sync.OnceValue(func() string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
})

// GoRoot is goRoot for the external tests of the package.
var GoRoot = goRoot
