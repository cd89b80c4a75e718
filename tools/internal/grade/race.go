package grade

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
)

// NoRaceHint is what the grader says when it has to grade without the race
// detector, which needs cgo and so a C compiler.
const NoRaceHint = "grading without the race detector; install gcc to enable it"

// Toolchain is what race detection asks of the machine. The real one asks
// `go env` and the PATH; tests pass a fake one.
type Toolchain struct {
	// GoEnv returns the values of the named go env variables.
	GoEnv func(names ...string) (map[string]string, error)
	// LookPath finds an executable, as exec.LookPath does.
	LookPath func(file string) (string, error)
}

// HostToolchain asks the go command and the PATH of this machine.
func HostToolchain(goCmd string) Toolchain {
	return Toolchain{
		GoEnv: func(names ...string) (map[string]string, error) {
			out, err := exec.Command(goCmd, append([]string{"env", "-json"}, names...)...).Output()
			if err != nil {
				return nil, fmt.Errorf("go env: %w", err)
			}
			env := map[string]string{}
			if err := json.Unmarshal(out, &env); err != nil {
				return nil, fmt.Errorf("go env: %w", err)
			}
			return env, nil
		},
		LookPath: exec.LookPath,
	}
}

// RaceDetector reports whether tests can run with -race here. If they
// cannot, why says so in one line, for the learner.
func (tc Toolchain) RaceDetector() (ok bool, why string) {
	env, err := tc.GoEnv("CC", "CGO_ENABLED")
	if err != nil {
		return false, fmt.Sprintf("cannot tell whether cgo works (%v): %s", err, NoRaceHint)
	}
	// CC may carry flags ("gcc -m64"); the compiler is the first word.
	cc := strings.Fields(env["CC"])
	if len(cc) == 0 {
		cc = []string{"gcc"}
	}
	if _, err := tc.LookPath(cc[0]); err != nil {
		return false, "no C compiler found: " + NoRaceHint
	}
	if env["CGO_ENABLED"] == "0" {
		return false, "cgo is disabled (CGO_ENABLED=0): grading without the race detector; unset CGO_ENABLED to enable it"
	}
	return true, ""
}
