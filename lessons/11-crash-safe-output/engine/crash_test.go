package engine_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"packcourse/core/codec"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/pipetest"
	"packcourse/lessons/11-crash-safe-output/engine"
)

// crashChildEnv, when set to "SRC DST", makes TestCrashChild the child
// process of TestACrashLeavesEveryOutputWholeOrAbsent: it packs SRC's
// corpus into DST and prints a line as each file is in place.
const crashChildEnv = "LESSON11_CRASH_CHILD"

// crashOptions pack in 16 KiB chunks: the big file has 16 of them, the
// small ones one or two, so each trial is quick even with -race.
var crashOptions = codec.Options{ChunkSize: 16 << 10, Level: 1}

// crashCorpus is the directory the crash test packs: one file of 256 KiB
// and 19 small files of up to 32 KiB, the same in the parent and the child.
func crashCorpus() []workload.File { return workload.Corpus(11, 256<<10, 19, 32<<10) }

// crashPaths is where each file of the corpus in src goes in dst: one
// directory, so that every temporary file is in it too.
func crashPaths(src, dst string) []engine.Path {
	var paths []engine.Path
	for _, f := range crashCorpus() {
		paths = append(paths, engine.Path{
			Src: filepath.Join(src, filepath.FromSlash(f.Name)),
			Dst: filepath.Join(dst, strings.ReplaceAll(f.Name, "/", "-")+".pack"),
		})
	}
	return paths
}

// TestCrashChild is not a test of its own: it is the process the crash
// test starts, and kills.
func TestCrashChild(t *testing.T) {
	dirs, ok := os.LookupEnv(crashChildEnv)
	if !ok {
		t.Skip("the child process of TestACrashLeavesEveryOutputWholeOrAbsent; runs only when it starts it")
	}
	src, dst, _ := strings.Cut(dirs, " ")
	e := &engine.Engine{Workers: 2}
	err := e.PackPaths(context.Background(), crashPaths(src, dst), crashOptions, engine.Output{
		Done: func(p engine.Path, err error) {
			if err == nil {
				fmt.Printf("in place: %s\n", filepath.Base(p.Dst))
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// docs:region TestACrashLeavesEveryOutputWholeOrAbsent
// A child process packs a directory of 20 files, and is killed with
// SIGKILL at a random point: after k files are in place (k drawn from
// 0..19) and a further random 0-3ms. Each of 20 trials (seeded, so the
// same points are tried on every run, give or take the scheduler) checks
// the same property: every output is absent or the whole container, and
// every other file in the directory is a temporary file, recognisable by
// TempPrefix. After every fourth trial a later run, in this process,
// packs the same directory again with Overwrite: it completes every
// output, and ignores the temporary files the killed run left (and one
// planted there): it neither removes them nor takes them for outputs.
func TestACrashLeavesEveryOutputWholeOrAbsent(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skipf("needs Unix processes and SIGKILL; GOOS is %s", runtime.GOOS)
	}
	src := t.TempDir()
	if err := workload.WriteFiles(src, crashCorpus()); err != nil {
		t.Fatal(err)
	}
	want := containers(t, crashPaths(src, ""))
	rng := rand.New(rand.NewPCG(11, 0))
	var complete, absent, temps int
	for trial := range 20 {
		dst := t.TempDir()
		planted := plantTemp(t, dst)
		killAfter, delay := rng.IntN(len(want)), time.Duration(rng.IntN(3000))*time.Microsecond
		killChild(t, src, dst, killAfter, delay)
		outputs, left := crashSurvivors(t, dst, want)
		complete, absent, temps = complete+len(outputs), absent+len(want)-len(outputs), temps+len(left)-1
		t.Logf("trial %2d: killed after %2d files in place + %v: %2d outputs whole, %2d absent, %d temporary files left",
			trial, killAfter, delay, len(outputs), len(want)-len(outputs), len(left)-1)
		if trial%4 == 3 {
			laterRun(t, src, dst, want, left, planted)
		}
	}
	t.Logf("over 20 trials: %d outputs whole, %d absent, none partial; %d temporary files left by the kills, the later runs ignored them", complete, absent, temps)
}

// docs:endregion TestACrashLeavesEveryOutputWholeOrAbsent

// docs:region laterRun
// laterRun packs src into dst again, in this process, with Overwrite, after
// a killed run left the temporary files left (and planted) there: every
// output must be whole afterwards, and the temporary files as they were.
func laterRun(t *testing.T, src, dst string, want map[string][]byte, left []string, planted string) {
	t.Helper()
	e := &engine.Engine{Workers: 2}
	if err := e.PackPaths(context.Background(), crashPaths(src, dst), crashOptions, engine.Output{Overwrite: true}); err != nil {
		t.Fatalf("the later run: %v", err)
	}
	outputs, after := crashSurvivors(t, dst, want)
	if len(outputs) != len(want) {
		t.Errorf("after the later run %d of %d outputs are whole", len(outputs), len(want))
	}
	if !slices.Equal(left, after) {
		t.Errorf("temporary files before the later run %v, after %v: it must leave them alone", left, after)
	}
	if got, _ := os.ReadFile(planted); !bytes.Equal(got, []byte("a temporary file from a run that crashed")) {
		t.Errorf("the planted temporary file was changed or removed")
	}
}

// docs:endregion laterRun

// killChild starts the child packing src into dst, waits until it has
// put killAfter files in place, waits delay more (the sleep picks the
// kill point; it synchronises nothing) and kills it with SIGKILL. The
// child may finish first, which is one more point to check. A child that
// hangs is killed after 20s, and fails the test.
func killChild(t *testing.T, src, dst string, killAfter int, delay time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+src+" "+dst)
	cmd.Stderr = io.Discard
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for placed := 0; placed < killAfter && lines.Scan(); {
		if strings.HasPrefix(lines.Text(), "in place: ") {
			placed++
		}
	}
	time.Sleep(delay)
	cmd.Process.Kill() // SIGKILL on Unix: no deferred function, no cleanup runs
	io.Copy(io.Discard, out)
	cmd.Wait() // killed, or finished first: both are fine
	if ctx.Err() != nil {
		t.Fatalf("the child did not finish or die within 20s")
	}
}

// crashSurvivors checks that every file in dst is an output holding its
// whole container or a temporary file, and returns the outputs present
// and the temporary files, sorted.
func crashSurvivors(t *testing.T, dst string, want map[string][]byte) (outputs, temps []string) {
	t.Helper()
	entries, err := os.ReadDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, engine.TempPrefix) {
			temps = append(temps, name)
			continue
		}
		container, ok := want[name]
		if !ok {
			t.Errorf("%s: a file that is neither an output nor a temporary file", name)
			continue
		}
		got, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil || !bytes.Equal(got, container) {
			t.Errorf("%s is partial: %d bytes of %d (%v)", name, len(got), len(container), err)
			continue
		}
		outputs = append(outputs, name)
	}
	return outputs, temps
}

// containers packs each path's input with the oracle, checks that the
// container unpacks to it, and returns the containers by output name: an
// output that holds these bytes is whole and unpacks to its input.
func containers(t *testing.T, paths []engine.Path) map[string][]byte {
	t.Helper()
	e := &engine.Engine{Workers: 2}
	want := map[string][]byte{}
	for _, p := range paths {
		data, err := os.ReadFile(p.Src)
		if err != nil {
			t.Fatal(err)
		}
		container := pipetest.OraclePack(t, data, crashOptions)
		var restored bytes.Buffer
		if err := e.Unpack(context.Background(), &restored, bytes.NewReader(container), crashOptions); err != nil || !bytes.Equal(restored.Bytes(), data) {
			t.Fatalf("%s does not unpack to its input: %v", p.Src, err)
		}
		want[filepath.Base(p.Dst)] = container
	}
	return want
}

// plantTemp puts in dst a temporary file such as a crashed run leaves.
func plantTemp(t *testing.T, dst string) string {
	t.Helper()
	path := filepath.Join(dst, engine.TempPrefix+"huge.bin.pack.0123456789ab")
	if err := os.WriteFile(path, []byte("a temporary file from a run that crashed"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
