package render

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Strings that come from a trace (function names, stacks, wait reasons,
// task and region names, log categories and messages, workload names and
// parameters, measurement names) or from outside gotrace (file names, a
// baseline's environment) may hold anything: terminal control sequences,
// Markdown, HTML. The document builders mark each such string where they
// lay it out (tr), and each renderer neutralises the marked strings once,
// where it draws them:
//
//   - text (a terminal): Terminal escapes control and bidirectional
//     characters Go-style (\x1b, \r, \u202e), so that nothing reaches the
//     terminal but printable text;
//   - Markdown: markdownText makes each marked string a code span (shown
//     literally by GitHub: no links, images, HTML or emphasis), its control
//     characters escaped as for the terminal;
//   - HTML: plain drops the marks; html/template escapes the rest.
//
// gotrace's own words are never marked and never contain such characters.

// The marks around a string from a trace: two private-use runes, which a
// trace's own strings cannot smuggle in (tr replaces them).
const (
	markOpen  = '\uE000'
	markClose = '\uE001'
)

// tr marks s as a string from a trace (or from outside gotrace).
func tr(s string) string {
	if s == "" {
		return ""
	}
	// (strings.Map would also turn invalid UTF-8 into U+FFFD: the
	// renderers show those bytes escaped instead.)
	s = strings.ReplaceAll(s, string(markOpen), "\uFFFD")
	s = strings.ReplaceAll(s, string(markClose), "\uFFFD")
	return string(markOpen) + s + string(markClose)
}

// plain drops the marks of a laid-out string.
func plain(s string) string {
	s = strings.ReplaceAll(s, string(markOpen), "")
	return strings.ReplaceAll(s, string(markClose), "")
}

// unsafeRune reports whether r must not reach a terminal or a document as
// is: control characters (C0, DEL, C1), and the characters that change the
// direction or the lines of the text around them.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r < 0xa0:
		return true
	case r < 0x600:
		return false
	}
	switch r {
	case '\u061c', '\u200e', '\u200f', '\u2028', '\u2029', '\ufeff':
		return true
	}
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || (r != utf8.RuneError && !unicode.IsPrint(r) && unicode.Is(unicode.Cf, r))
}

// needsEscape reports whether s holds an unsafe rune or invalid UTF-8.
func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			goto slow
		}
	}
	return false
slow:
	for i, r := range s {
		if unsafeRune(r) || (r == utf8.RuneError && isInvalid(s, i)) {
			return true
		}
	}
	return false
}

func isInvalid(s string, i int) bool {
	_, n := utf8.DecodeRuneInString(s[i:])
	return n == 1
}

// Terminal makes s safe to print on a terminal, on one line: it drops the
// marks of a laid-out string and escapes control and bidirectional
// characters and invalid UTF-8 as Go does in a quoted string (\x1b, \a, \r,
// \n, \x00, \u202e, \xff). Other text is unchanged. It is the text
// renderers' one escaping function, and the CLI's for what it prints on
// standard error.
func Terminal(s string) string {
	s = plain(s)
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && isInvalid(s, i):
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case unsafeRune(r):
			q := strconv.QuoteRune(r) // '\x1b', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// markdownText turns the marked strings of a laid-out string into code
// spans, their unsafe characters escaped as for a terminal, and escapes the
// characters Markdown would read as formatting in the words around them
// (mdEscape). It is the Markdown renderers' one escaping function (tables
// add the escape of "|" that GitHub needs even in a code span).
func markdownText(s string) string {
	if !strings.ContainsRune(s, markOpen) {
		return mdEscape(Terminal(s))
	}
	var b strings.Builder
	for {
		i := strings.IndexRune(s, markOpen)
		if i < 0 {
			b.WriteString(mdEscape(Terminal(s)))
			return b.String()
		}
		b.WriteString(mdEscape(Terminal(s[:i])))
		s = s[i+len(string(markOpen)):]
		j := strings.IndexRune(s, markClose)
		if j < 0 {
			j = len(s)
		}
		b.WriteString(codeSpan(Terminal(s[:j])))
		if j < len(s) {
			j += len(string(markClose))
		}
		s = s[j:]
	}
}

// mdEscape backslash-escapes the characters Markdown would read as
// formatting in gotrace's own words (which hold function names such as
// sync.(*Mutex).Lock when a finding quotes one).
func mdEscape(s string) string {
	const special = "\\`*_[]<>#~" // "|" only matters in tables, which escape it
	if !strings.ContainsAny(s, special) {
		return s
	}
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(special, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// codeSpan writes s as a Markdown code span: fenced by one backtick more
// than the longest run of backticks in s, with a space inside the fences
// when s starts or ends with a backtick (CommonMark strips one).
func codeSpan(s string) string {
	if s == "" {
		return ""
	}
	run, longest := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}
