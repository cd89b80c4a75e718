package grade

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// explain turns a failed test's output into one line saying why it failed,
// for a learner. In order of precedence: a data race (it makes every other
// symptom suspect), the test's own first failure message (written to point
// at the mistake), then a panic, deadlock, leak or timeout read from the
// crash dump. dir is the package under test, relative to the root: stack
// frames in its non-test files are "your code" and are named by file:line.
func explain(out []string, dir string) string {
	if why := explainRace(out, dir); why != "" {
		return why
	}
	if msg := firstMessage(out); msg != "" {
		return msg
	}
	if why := explainCrash(out, dir); why != "" {
		return why
	}
	return "failed without saying why (run grade with -v to see its output)"
}

// testMessage matches a t.Error/t.Fatal line: "    file_test.go:42: message".
var testMessage = regexp.MustCompile(`^\s+\S+_test\.go:\d+: (.*)$`)

// firstMessage returns the text of the first failure message in out.
func firstMessage(out []string) string {
	for _, l := range out {
		if m := testMessage.FindStringSubmatch(l); m != nil {
			return m[1]
		}
	}
	return ""
}

// A frame is one function call in a stack trace.
type frame struct {
	fn   string // "packcourse/exercises/ordered.Map.func1"
	file string // "/work/main/exercises/ordered/ordered.go"
	line string
}

// where says where a frame is, for a learner: "ordered.go:33 (Map.func1)".
func (f frame) where() string {
	fn := f.fn[strings.LastIndex(f.fn, "/")+1:] // "ordered.Map.func1"
	if _, rest, ok := strings.Cut(fn, "."); ok {
		fn = rest
	}
	return fmt.Sprintf("%s:%s (%s)", path.Base(f.file), f.line, fn)
}

// inCode reports whether the frame is in dir's non-test code.
func (f frame) inCode(dir string) bool {
	return strings.Contains(f.file, "/"+strings.Trim(dir, "/")+"/") && !strings.HasSuffix(f.file, "_test.go")
}

var fileLine = regexp.MustCompile(`^\s+(\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?$`)

// frames reads the stack frames in lines: each is a function line followed
// by an indented file:line line. It stops at the first blank line, the end
// of one goroutine's stack or one side of a race report.
func frames(lines []string) []frame {
	var fs []frame
	for i := 0; i+1 < len(lines); i++ {
		call := strings.TrimSpace(lines[i])
		if call == "" {
			break
		}
		fl := fileLine.FindStringSubmatch(lines[i+1])
		if fl == nil {
			continue
		}
		i++
		if strings.HasPrefix(call, "created by ") {
			continue // where a goroutine was started, not where it is
		}
		fs = append(fs, frame{fn: funcName(call), file: fl[1], line: fl[2]})
	}
	return fs
}

// funcName strips the argument list from a stack trace's call line:
// "pkg.(*T).M(0xc000012345, 0x1)" -> "pkg.(*T).M".
func funcName(call string) string {
	if !strings.HasSuffix(call, ")") {
		return call
	}
	depth := 0
	for i := len(call) - 1; i >= 0; i-- {
		switch call[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				return call[:i]
			}
		}
	}
	return call
}

// pick returns the first frame in dir's code, else the first frame that is
// not in the runtime or the standard library's plumbing, else false.
func pick(fs []frame, dir string) (frame, bool) {
	for _, f := range fs {
		if f.inCode(dir) {
			return f, true
		}
	}
	for _, f := range fs {
		if !strings.HasPrefix(f.fn, "runtime.") && !strings.HasPrefix(f.fn, "testing.") && !strings.HasPrefix(f.fn, "sync.") {
			return f, true
		}
	}
	return frame{}, false
}

// raceAccess matches the header of one side of a race report.
var raceAccess = regexp.MustCompile(`^((?:Previous )?(?:[Aa]tomic )?(?:[Rr]ead|[Ww]rite)) at 0x[0-9a-f]+ by (?:goroutine \d+|main goroutine):$`)

// explainRace describes the first data race in out, or returns "".
func explainRace(out []string, dir string) string {
	start := -1
	for i, l := range out {
		if strings.Contains(l, "WARNING: DATA RACE") {
			start = i
			break
		}
	}
	if start < 0 {
		return ""
	}
	var sides []string
	for i := start + 1; i < len(out) && len(sides) < 2; i++ {
		if strings.HasPrefix(out[i], "==================") {
			break
		}
		m := raceAccess.FindStringSubmatch(out[i])
		if m == nil {
			continue
		}
		side := strings.ToLower(m[1])
		if f, ok := pick(frames(out[i+1:]), dir); ok {
			side += " at " + f.where()
		}
		sides = append(sides, side)
	}
	return "data race: " + strings.Join(sides, " and ") +
		": two goroutines touch the same memory without a lock or a channel between them"
}

// goroutineHeader matches "goroutine 27 [chan send (durable), synctest bubble 1]:".
var goroutineHeader = regexp.MustCompile(`^goroutine \d+ \[([^,\]]+)(?:, [^\]]*)?\]:$`)

// explainCrash describes a panic, a fatal error or a timeout in out, or
// returns "".
func explainCrash(out []string, dir string) string {
	for i, l := range out {
		if strings.Contains(l, "found unexpected goroutines") {
			return stuck(out[i+1:], dir, "left goroutines running after the test ended (a leak)")
		}
		msg, isPanic := strings.CutPrefix(l, "panic: ")
		fatal, isFatal := strings.CutPrefix(l, "fatal error: ")
		switch {
		case isPanic:
			return explainPanic(cleanPanic(msg), out[i+1:], dir)
		case isFatal:
			return explainFatal(fatal, out[i+1:], dir)
		}
	}
	return ""
}

func cleanPanic(msg string) string {
	msg = strings.TrimSuffix(msg, " [recovered, repanicked]")
	return strings.TrimSuffix(msg, " [recovered]")
}

func explainPanic(msg string, rest []string, dir string) string {
	switch {
	case strings.HasPrefix(msg, "test timed out after "):
		after := strings.TrimPrefix(msg, "test timed out after ")
		return stuck(rest, dir, "did not finish within "+after+", so it is stuck") +
			" (a receive nobody sends to, a send nobody receives, a lock never released, a loop that never ends?)"
	case strings.HasPrefix(msg, "deadlock: all goroutines in bubble are blocked"):
		return stuck(rest, dir, "deadlock: every goroutine of the test was blocked, waiting for another")
	case strings.HasPrefix(msg, "deadlock: "):
		return stuck(rest, dir, "goroutines were left blocked for ever when the test ended (a leak, or a deadlock)")
	}
	why := "panicked: " + msg
	if f, ok := pick(frames(firstGoroutine(rest)), dir); ok {
		why += " at " + f.where()
	}
	return why + channelAdvice(msg)
}

// channelAdvice explains the two channel panics, whose line alone can
// mislead: it is where the second close (or the late send) happened, not
// necessarily the one to remove.
func channelAdvice(msg string) string {
	switch msg {
	case "close of closed channel":
		return ": the channel is closed twice, and this is the second close; find the other one and keep a single close, made by whoever knows the last send is done"
	case "send on closed channel":
		return ": a send came after the close; close a channel only once every goroutine that sends on it has stopped"
	}
	return ""
}

func explainFatal(msg string, rest []string, dir string) string {
	if strings.Contains(msg, "all goroutines are asleep") {
		return stuck(rest, dir, "deadlock: every goroutine was blocked")
	}
	why := "crashed: " + msg
	for i, l := range rest {
		if goroutineHeader.MatchString(l) {
			if f, ok := pick(frames(rest[i+1:]), dir); ok {
				return why + " at " + f.where()
			}
		}
	}
	return why
}

// firstGoroutine returns the lines of the first goroutine in a dump: the
// one that panicked.
func firstGoroutine(dump []string) []string {
	for i, l := range dump {
		if goroutineHeader.MatchString(l) {
			return dump[i+1:]
		}
	}
	return nil
}

// A goroutine is one goroutine of a stack dump: its state ("chan send")
// and its frames, innermost first.
type goroutine struct {
	state  string
	frames []frame
}

// goleakHeader matches goleak's header for a goroutine it found:
// "[Goroutine 8 in state chan send, with pkg.f on top of the stack:".
var goleakHeader = regexp.MustCompile(`^\[?Goroutine \d+ in state ([^,]+), with \S+ on top of the stack:$`)

// goroutines reads the goroutines of a dump, written by the runtime
// ("goroutine 8 [chan send]:") or by goleak.
func goroutines(dump []string) []goroutine {
	var gs []goroutine
	for i, l := range dump {
		m := goroutineHeader.FindStringSubmatch(l)
		if m == nil {
			m = goleakHeader.FindStringSubmatch(l)
		}
		if m == nil {
			continue
		}
		state := strings.TrimSuffix(strings.TrimSpace(m[1]), " (durable)")
		gs = append(gs, goroutine{state: state, frames: frames(dump[i+1:])})
	}
	return gs
}

// stuck says what, then how many goroutines the dump holds besides running
// ones and where those in dir's code are: the operation each waits in and
// its file:line, up to three different places. That names the line to
// look at, which a bare "timed out" or "deadlock" does not.
func stuck(dump []string, dir, what string) string {
	var places []string
	seen := map[string]bool{}
	count := 0
	for _, g := range goroutines(dump) {
		if g.state == "running" && !hasCode(g.frames, dir) {
			continue // the goroutine printing the dump, or the test's own
		}
		count++
		f, ok := pick(g.frames, dir)
		if !ok || !f.inCode(dir) {
			continue
		}
		place := fmt.Sprintf("%s at %s", g.state, f.where())
		if !seen[place] && len(places) < 3 {
			seen[place] = true
			places = append(places, place)
		}
	}
	switch {
	case len(places) > 0:
		return fmt.Sprintf("%s: %d goroutine(s); yours are in %s", what, count, strings.Join(places, ", "))
	case count > 0:
		return fmt.Sprintf("%s: %d goroutine(s), none of them in your code", what, count)
	}
	return what
}

// hasCode reports whether any frame is in dir's code.
func hasCode(fs []frame, dir string) bool {
	for _, f := range fs {
		if f.inCode(dir) {
			return true
		}
	}
	return false
}
