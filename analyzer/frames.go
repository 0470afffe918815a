package analyzer

import "strings"

// FuncPackage returns the import path of a fully qualified function name:
// "net/http" for "net/http.(*Server).Serve", "main" for "main.main.func1".
func FuncPackage(fn string) string { return funcPackage(fn) }

// IsRuntimeFunc reports whether fn belongs to the runtime: packages runtime,
// runtime/trace and internal/runtime/... (runtime.main included: it is the
// runtime's frame under main.main).
func IsRuntimeFunc(fn string) bool {
	pkg := funcPackage(fn)
	return pkg == "runtime" || pkg == "runtime/trace" || strings.HasPrefix(pkg, "internal/runtime")
}

// IsStdPackage reports whether an import path is the standard library's:
// its first element has no dot, and it is not package main. A module
// whose path has no dot ("example/app") passes for the standard library.
func IsStdPackage(pkg string) bool {
	if pkg == "main" || pkg == "" {
		return false
	}
	first, _, _ := strings.Cut(pkg, "/")
	return !strings.Contains(first, ".")
}

// UserFrameIndex returns the index of the first frame (innermost first)
// outside the runtime and the standard library: the program's own code, or
// a dependency's (see UserFrame). It returns -1 when every frame is the
// runtime's or the standard library's.
func UserFrameIndex(frames []Frame) int {
	for i, f := range frames {
		if !IsStdPackage(funcPackage(f.Func)) && !generatedTestMain(f) {
			return i
		}
	}
	return -1
}

// generatedTestMain reports whether f is the main function go test writes
// for a test binary (_testmain.go): nobody's code to point at.
func generatedTestMain(f Frame) bool {
	return strings.HasSuffix(f.File, "/_testmain.go") || f.File == "_testmain.go"
}

// RuntimeStack reports whether a stack holds nothing but runtime frames:
// a runtime goroutine's (GC workers, the tracer's own goroutines). An empty
// stack is not one.
func RuntimeStack(frames []Frame) bool {
	for _, f := range frames {
		if !IsRuntimeFunc(f.Func) {
			return false
		}
	}
	return len(frames) > 0
}
