package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Op is what a run does to each file.
type Op int

// The operations.
const (
	Pack   Op = iota // file -> container (NAME -> NAME.gpk)
	Unpack           // container -> file (NAME.gpk -> NAME)
	Verify           // check a container, write nothing
)

func (op Op) String() string {
	switch op {
	case Pack:
		return "pack"
	case Unpack:
		return "unpack"
	case Verify:
		return "verify"
	}
	return fmt.Sprintf("Op(%d)", int(op))
}

// Ext is the file-name extension of a container.
const Ext = ".gpk"

// Stdio is the path that means standard input (as a source) or standard
// output (as a destination).
const Stdio = "-"

// Job is one file of a run.
type Job struct {
	Src  string      // input path, or Stdio
	Dst  string      // output path, or Stdio; "" for Verify
	Size int64       // input size in bytes; -1 if unknown (standard input)
	Perm fs.FileMode // permission bits of the input, given to the output
}

// Name is how messages name the job: its input path, or "stdin".
func (j Job) Name() string {
	if j.Src == Stdio {
		return "stdin"
	}
	return j.Src
}

// Plan is the list of jobs a command line asks for, and the files it
// skipped on the way (symbolic links and other non-regular files found
// inside directories, non-containers when unpacking a directory).
type Plan struct {
	Jobs    []Job
	Skipped []Skip
}

// Skip is a file Plan left out, and why.
type Skip struct {
	Path   string
	Reason string
}

// MakePlan turns a command line's paths into jobs. dst is ignored for
// Verify. The rules, which the command's help repeats:
//
//   - One file (or Stdio) and a dst that is not a directory: dst is the
//     output file (Stdio: standard output).
//   - One file and an existing directory dst: the output goes in dst,
//     named after the input (".gpk" added by Pack, removed by Unpack).
//   - One directory: dst is a directory (made if missing) that mirrors
//     it: every regular file under it, at the same relative path.
//   - Several paths: dst is a directory (made if missing); each path's
//     output goes in it under the path's base name (a directory's files
//     under that name).
//
// Inside directories, symbolic links and other non-regular files are
// skipped (and listed in Plan.Skipped), never followed: a link could lead
// out of the tree or round in a loop. When unpacking or verifying a
// directory only files ending in ".gpk" are taken. A path named on the
// command line is followed if it is a link: the user asked for it.
// Errors name the path and what is wrong; no job is returned with one.
func MakePlan(op Op, srcs []string, dst string) (Plan, error) {
	if len(srcs) == 0 {
		return Plan{}, errors.New("no input given")
	}
	if op == Verify {
		dst = ""
	}
	var p Plan
	if len(srcs) == 1 {
		if err := p.addOne(op, srcs[0], dst); err != nil {
			return Plan{}, err
		}
	} else {
		if err := p.addMany(op, srcs, dst); err != nil {
			return Plan{}, err
		}
	}
	if err := p.checkUnique(); err != nil {
		return Plan{}, err
	}
	return p, nil
}

// addOne plans a run with a single input path.
func (p *Plan) addOne(op Op, src, dst string) error {
	if src == Stdio {
		if dst != "" && dst != Stdio && isDir(dst) {
			return fmt.Errorf("%s is a directory: name the output file when reading standard input", dst)
		}
		p.Jobs = append(p.Jobs, Job{Src: Stdio, Dst: dst, Size: -1, Perm: 0o644})
		return nil
	}
	info, err := os.Stat(src)
	if err != nil {
		return statError(err)
	}
	if info.IsDir() {
		if dst == Stdio {
			return fmt.Errorf("%s is a directory: it cannot go to standard output", src)
		}
		return p.addTree(op, src, dst)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", src)
	}
	out := dst
	switch {
	case dst == "" || dst == Stdio:
	case isDir(dst) || endsInSeparator(dst):
		name, err := outputName(op, filepath.Base(src))
		if err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		out = filepath.Join(dst, name)
	default:
		// An output file named outright goes in a directory that exists:
		// a typo in its path should not create a tree of directories.
		if err := checkParent(dst); err != nil {
			return err
		}
	}
	p.Jobs = append(p.Jobs, fileJob(src, out, info))
	return nil
}

// addMany plans a run with several input paths: each goes into dst under
// its base name.
func (p *Plan) addMany(op Op, srcs []string, dst string) error {
	if dst == Stdio {
		return errors.New("several inputs cannot go to standard output: give a directory")
	}
	if dst != "" && exists(dst) && !isDir(dst) {
		return fmt.Errorf("%s is not a directory: several inputs need a directory to go to", dst)
	}
	for _, src := range srcs {
		if src == Stdio {
			return errors.New("standard input (-) can only be the only input")
		}
		info, err := os.Stat(src)
		if err != nil {
			return statError(err)
		}
		sub := ""
		if dst != "" {
			sub = filepath.Join(dst, filepath.Base(src))
		}
		if info.IsDir() {
			if err := p.addTree(op, src, sub); err != nil {
				return err
			}
			continue
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", src)
		}
		out := ""
		if dst != "" {
			name, err := outputName(op, filepath.Base(src))
			if err != nil {
				return fmt.Errorf("%s: %w", src, err)
			}
			out = filepath.Join(dst, name)
		}
		p.Jobs = append(p.Jobs, fileJob(src, out, info))
	}
	return nil
}

// addTree plans every regular file under root, mirrored under dst.
func (p *Plan) addTree(op Op, root, dst string) error {
	if dst != "" {
		if exists(dst) && !isDir(dst) {
			return fmt.Errorf("%s is not a directory: a directory's files need a directory to go to", dst)
		}
		if inside(dst, root) {
			return fmt.Errorf("%s is inside %s: the output would be packed again on the next run", dst, root)
		}
	}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err // an unreadable directory: stop and say which
		}
		if d.IsDir() {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			p.Skipped = append(p.Skipped, Skip{path, "symbolic link (not followed)"})
			return nil
		}
		if !d.Type().IsRegular() {
			p.Skipped = append(p.Skipped, Skip{path, "not a regular file"})
			return nil
		}
		if op != Pack && !strings.HasSuffix(path, Ext) {
			p.Skipped = append(p.Skipped, Skip{path, "not a " + Ext + " file"})
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out := ""
		if dst != "" {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			if out, err = outputName(op, rel); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			out = filepath.Join(dst, out)
		}
		p.Jobs = append(p.Jobs, fileJob(path, out, info))
		return nil
	})
}

// checkUnique refuses a plan in which two inputs would write one output.
func (p *Plan) checkUnique() error {
	seen := make(map[string]string, len(p.Jobs))
	for _, j := range p.Jobs {
		if j.Dst == "" || j.Dst == Stdio {
			continue
		}
		key := filepath.Clean(j.Dst)
		if other, ok := seen[key]; ok {
			return fmt.Errorf("%s and %s would both be written to %s", other, j.Src, j.Dst)
		}
		seen[key] = j.Src
	}
	return nil
}

// outputName is the output's name for an input named name: Pack adds the
// extension, Unpack removes it.
func outputName(op Op, name string) (string, error) {
	switch op {
	case Pack:
		return name + Ext, nil
	case Unpack:
		base, ok := strings.CutSuffix(name, Ext)
		if !ok || filepath.Base(base) == "" || strings.HasSuffix(base, string(filepath.Separator)) {
			return "", fmt.Errorf("name does not end in %s, so the output cannot be named after it: give an output file name", Ext)
		}
		return base, nil
	}
	return "", nil
}

// checkParent fails unless the directory path would go in exists.
func checkParent(path string) error {
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	switch {
	case err != nil:
		return statError(err)
	case !info.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}

// statError drops the "stat" from a *fs.PathError: "a.txt: no such file
// or directory".
func statError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

func fileJob(src, dst string, info fs.FileInfo) Job {
	return Job{Src: src, Dst: dst, Size: info.Size(), Perm: info.Mode().Perm()}
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func endsInSeparator(path string) bool {
	return strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator))
}

// inside reports whether path is dir or lies under it.
func inside(path, dir string) bool {
	ap, err1 := filepath.Abs(path)
	ad, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(ad, ap)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}
