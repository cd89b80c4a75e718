package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"packcourse/final/engine"
)

// Op is what a run does to each file: engine.Pack, engine.Unpack or
// engine.Verify.
type Op = engine.Op

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

	open string      // the path opened: Src, or what a link named on the command line leads to
	info fs.FileInfo // the file planned, for the check that the file opened is still it
}

// Name is how messages name the job: its input path, or "stdin".
func (j Job) Name() string {
	if j.Src == Stdio {
		return "stdin"
	}
	return Quote(j.Src)
}

// path is the path to open for the job's input.
func (j Job) path() string {
	if j.open != "" {
		return j.open
	}
	return j.Src
}

// Plan is the list of jobs a command line asks for, the files it skipped
// on the way (symbolic links and other non-regular files found inside
// directories, non-containers when unpacking a directory), and the paths
// it could not read (an unreadable subdirectory) or name an output for (a
// container named just ".gpk"): those fail, the rest of the tree still
// runs.
type Plan struct {
	Jobs    []Job
	Skipped []Skip
	Failed  []Skip

	fsys  FS       // while planning
	trees []string // the directories given as inputs, while planning
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
// command line is followed if it is a link, to a file or to a directory:
// the user asked for it. A destination that is an input, or that leads
// (through links or mounts) into a directory being read, is refused.
// Errors name the path and what is wrong; no job is returned with one.
func MakePlan(op Op, srcs []string, dst string) (Plan, error) {
	return MakePlanFS(OS{}, op, srcs, dst)
}

// MakePlanFS is MakePlan on the file system fsys.
func MakePlanFS(fsys FS, op Op, srcs []string, dst string) (Plan, error) {
	if len(srcs) == 0 {
		return Plan{}, errors.New("no input given")
	}
	if op == engine.Verify {
		dst = ""
	}
	p := Plan{fsys: fsys}
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
	p.fsys, p.trees = nil, nil
	return p, nil
}

// addOne plans a run with a single input path.
func (p *Plan) addOne(op Op, src, dst string) error {
	if src == Stdio {
		if dst != "" && dst != Stdio && p.isDir(dst) {
			return fmt.Errorf("%s is a directory: name the output file when reading standard input", Quote(dst))
		}
		p.Jobs = append(p.Jobs, Job{Src: Stdio, Dst: dst, Size: -1, Perm: 0o644})
		return nil
	}
	info, err := p.fsys.Stat(src)
	if err != nil {
		return statError(err)
	}
	if info.IsDir() {
		if dst == Stdio {
			return fmt.Errorf("%s is a directory: it cannot go to standard output", Quote(src))
		}
		return p.addTree(op, src, dst)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", Quote(src))
	}
	out := dst
	switch {
	case dst == "" || dst == Stdio:
	case p.isDir(dst) || endsInSeparator(dst):
		name, err := outputName(op, filepath.Base(src))
		if err != nil {
			return fmt.Errorf("%s: %w", Quote(src), err)
		}
		out = filepath.Join(dst, name)
	default:
		// An output file named outright goes in a directory that exists:
		// a typo in its path should not create a tree of directories.
		if err := p.checkParent(dst); err != nil {
			return err
		}
	}
	p.Jobs = append(p.Jobs, p.namedJob(src, out, info))
	return nil
}

// namedJob is the job of a file named on the command line: if it is a
// link, the file it leads to is opened (and checked to be that file).
func (p *Plan) namedJob(src, dst string, info fs.FileInfo) Job {
	j := fileJob(src, dst, info)
	if l, err := p.fsys.Lstat(src); err == nil && l.Mode()&fs.ModeSymlink != 0 {
		if real, err := filepath.EvalSymlinks(src); err == nil {
			j.open = real
		}
	}
	return j
}

// addMany plans a run with several input paths: each goes into dst under
// its base name.
func (p *Plan) addMany(op Op, srcs []string, dst string) error {
	if dst == Stdio {
		return errors.New("several inputs cannot go to standard output: give a directory")
	}
	if dst != "" && p.exists(dst) && !p.isDir(dst) {
		return fmt.Errorf("%s is not a directory: several inputs need a directory to go to", Quote(dst))
	}
	for _, src := range srcs {
		if src == Stdio {
			return errors.New("standard input (-) can only be the only input")
		}
		info, err := p.fsys.Stat(src)
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
			return fmt.Errorf("%s is not a regular file", Quote(src))
		}
		out := ""
		if dst != "" {
			name, err := outputName(op, filepath.Base(src))
			if err != nil {
				return fmt.Errorf("%s: %w", Quote(src), err)
			}
			out = filepath.Join(dst, name)
		}
		p.Jobs = append(p.Jobs, p.namedJob(src, out, info))
	}
	return nil
}

// addTree plans every regular file under root, mirrored under dst. root
// itself may be a link to a directory (it was named on the command line);
// links inside it are skipped. A directory that cannot be read, or a file
// that cannot name its output, is listed in p.Failed and the walk goes on.
func (p *Plan) addTree(op Op, root, dst string) error {
	p.trees = append(p.trees, root)
	if dst != "" {
		if p.exists(dst) && !p.isDir(dst) {
			return fmt.Errorf("%s is not a directory: a directory's files need a directory to go to", Quote(dst))
		}
		if inside(dst, root) {
			return fmt.Errorf("%s is inside %s: the outputs would land in the tree being read", Quote(dst), Quote(root))
		}
	}
	real := root
	if r, err := filepath.EvalSymlinks(root); err == nil {
		real = r
	}
	return p.walk(op, root, real, "", dst)
}

// walk plans the directory at rel under root (opened as real/rel, so that a
// root that is a link is read through what it leads to).
func (p *Plan) walk(op Op, root, real, rel, dst string) error {
	entries, err := p.fsys.ReadDir(filepath.Join(real, rel))
	if err != nil {
		p.Failed = append(p.Failed, Skip{filepath.Join(root, rel), "cannot read directory: " + unwrapPath(err).Error()})
		return nil
	}
	for _, d := range entries {
		name := filepath.Join(rel, d.Name())
		path := filepath.Join(root, name)
		switch {
		case d.IsDir():
			if err := p.walk(op, root, real, name, dst); err != nil {
				return err
			}
			continue
		case d.Type()&fs.ModeSymlink != 0:
			p.Skipped = append(p.Skipped, Skip{path, "symbolic link (not followed)"})
			continue
		case !d.Type().IsRegular():
			p.Skipped = append(p.Skipped, Skip{path, "not a regular file"})
			continue
		case op != engine.Pack && !strings.HasSuffix(name, Ext):
			p.Skipped = append(p.Skipped, Skip{path, "not a " + Ext + " file"})
			continue
		}
		info, err := p.fsys.Lstat(filepath.Join(real, name))
		if err != nil {
			p.Failed = append(p.Failed, Skip{path, unwrapPath(err).Error()})
			continue
		}
		out := ""
		if dst != "" {
			if out, err = outputName(op, name); err != nil {
				// One file the tree cannot name an output for fails
				// alone: the others are still done.
				p.Failed = append(p.Failed, Skip{path, err.Error()})
				continue
			}
			out = filepath.Join(dst, out)
		}
		j := fileJob(path, out, info)
		if real != root {
			j.open = filepath.Join(real, name)
		}
		p.Jobs = append(p.Jobs, j)
	}
	return nil
}

// checkUnique refuses a plan in which two inputs would write one output,
// an output would replace an input (-force with the same path twice, or
// the same file reached through a link or a mount), or an output would
// land inside an input directory (through a link or a mount below the
// destination).
func (p *Plan) checkUnique() error {
	r := resolver{dirs: map[string]string{}}
	inputs := make(map[string]string, len(p.Jobs))
	for _, j := range p.Jobs {
		if j.Src != Stdio {
			inputs[r.resolve(j.path())] = j.Src
		}
	}
	identities := newFileIndex(p.fsys, p.Jobs)
	trees := newTreeIndex(p.fsys, p.trees)
	seen := make(map[string]string, len(p.Jobs))
	for _, j := range p.Jobs {
		if j.Dst == "" || j.Dst == Stdio {
			continue
		}
		key := r.resolve(j.Dst)
		if src, ok := inputs[key]; ok {
			return fmt.Errorf("%s is both an input and an output: not replacing an input with its own output", Quote(src))
		}
		if src, ok := identities.input(key); ok {
			return fmt.Errorf("%s is the input %s under another name (a hard link or a mount): not replacing an input with its own output", Quote(j.Dst), Quote(src))
		}
		// The destination itself was checked against each tree; a link
		// or a mount below it (DST/sub -> SRC/sub) can still lead an
		// output in.
		if i := trees.containing(filepath.Dir(key)); i >= 0 {
			return fmt.Errorf("%s would be written inside %s, through a link or a mount: the outputs would land in the tree being read", Quote(j.Dst), Quote(p.trees[i]))
		}
		if other, ok := seen[key]; ok {
			return fmt.Errorf("%s and %s would both be written to %s", Quote(other), Quote(j.Src), Quote(j.Dst))
		}
		seen[key] = j.Src
	}
	return nil
}

// A fileIndex finds which input, if any, is the same file as a path: by
// identity (device and inode), so a bind mount or a hard link that gives
// an input a second path is found too. Inputs are grouped by size, which
// the same file shares, so that each lookup compares with few.
type fileIndex struct {
	fsys   FS
	bySize map[int64][]Job
}

func newFileIndex(fsys FS, jobs []Job) fileIndex {
	x := fileIndex{fsys: fsys, bySize: map[int64][]Job{}}
	for _, j := range jobs {
		if j.info != nil {
			x.bySize[j.info.Size()] = append(x.bySize[j.info.Size()], j)
		}
	}
	return x
}

// input returns the input that path is, if path exists and is one.
func (x fileIndex) input(path string) (string, bool) {
	info, err := x.fsys.Stat(path)
	if err != nil {
		return "", false
	}
	for _, j := range x.bySize[info.Size()] {
		if os.SameFile(info, j.info) {
			return j.Src, true
		}
	}
	return "", false
}

// A treeIndex tells whether a directory lies in one of the input trees,
// by identity: it walks up from the directory, comparing each existing
// ancestor with every tree's root. Paths cannot see a bind mount of a
// tree inside the destination; identities can. Each directory is looked
// at once.
type treeIndex struct {
	fsys  FS
	roots []fs.FileInfo // nil where a root could not be described
	memo  map[string]int
}

func newTreeIndex(fsys FS, trees []string) treeIndex {
	x := treeIndex{fsys: fsys, roots: make([]fs.FileInfo, len(trees)), memo: map[string]int{}}
	for i, t := range trees {
		x.roots[i], _ = fsys.Stat(t)
	}
	return x
}

// containing returns the index of the tree that dir (an absolute path
// without links) is or lies under, or -1.
func (x treeIndex) containing(dir string) int {
	if i, ok := x.memo[dir]; ok {
		return i
	}
	i := -1
	if info, err := x.fsys.Stat(dir); err == nil {
		for k, root := range x.roots {
			if root != nil && os.SameFile(info, root) {
				i = k
				break
			}
		}
	}
	if parent := filepath.Dir(dir); i < 0 && parent != dir {
		i = x.containing(parent)
	}
	x.memo[dir] = i
	return i
}

// outputName is the output's name for an input named name: Pack adds the
// extension, Unpack removes it.
func outputName(op Op, name string) (string, error) {
	switch op {
	case engine.Pack:
		return name + Ext, nil
	case engine.Unpack:
		base, ok := strings.CutSuffix(name, Ext)
		if !ok {
			return "", fmt.Errorf("name does not end in %s, so the output cannot be named after it: give an output file name", Ext)
		}
		// What is left must name a file: not nothing (".gpk"), and not
		// "." or ".." ("..gpk", "...gpk"), which name directories.
		if last := base[strings.LastIndexByte(base, filepath.Separator)+1:]; last == "" || last == "." || last == ".." {
			return "", fmt.Errorf("without %s the name is %q, which cannot name a file: give an output file name", Ext, last)
		}
		return base, nil
	}
	return "", nil
}

// checkParent fails unless the directory path would go in exists.
func (p *Plan) checkParent(path string) error {
	dir := filepath.Dir(path)
	info, err := p.fsys.Stat(dir)
	switch {
	case err != nil:
		return statError(err)
	case !info.IsDir():
		return fmt.Errorf("%s is not a directory", Quote(dir))
	}
	return nil
}

// statError drops the "stat" from a *fs.PathError: "a.txt: no such file
// or directory".
func statError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", Quote(pe.Path), pe.Err)
	}
	return err
}

func fileJob(src, dst string, info fs.FileInfo) Job {
	return Job{Src: src, Dst: dst, Size: info.Size(), Perm: info.Mode().Perm(), info: info}
}

func (p *Plan) isDir(path string) bool {
	info, err := p.fsys.Stat(path)
	return err == nil && info.IsDir()
}

func (p *Plan) exists(path string) bool {
	_, err := p.fsys.Stat(path)
	return err == nil
}

func endsInSeparator(path string) bool {
	return strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator))
}

// inside reports whether path is dir or lies under it, links resolved:
// a destination that is a link into the tree is inside it.
func inside(path, dir string) bool {
	rel, err := filepath.Rel(Resolve(dir), Resolve(path))
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

// A resolver resolves paths as resolve does, remembering each directory's
// resolution. The paths of a plan share a few directories, and resolve
// stats every component of a path again for each one, and for an output
// that does not exist yet, of each of its ancestors in turn: for a tree of
// 5,000 files that was 25 stats a file, before any file was packed.
type resolver struct {
	dirs map[string]string // directory, absolute -> resolved
}

// resolve is Resolve(path). A path whose last component is not a link
// (or is not there) is where its directory resolves to, joined with its
// name; a link is resolved whole.
func (r resolver) resolve(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	dir := filepath.Dir(abs)
	if info, err := os.Lstat(abs); dir == abs || (err == nil && info.Mode()&fs.ModeSymlink != 0) {
		return Resolve(abs)
	}
	real, ok := r.dirs[dir]
	if !ok {
		real = Resolve(dir)
		r.dirs[dir] = real
	}
	return filepath.Join(real, filepath.Base(abs))
}

// Resolve returns path absolute, with the links of its longest existing
// prefix resolved: where writing path would really write.
func Resolve(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	rest := ""
	for p := abs; ; {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(real, rest)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return abs
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}
