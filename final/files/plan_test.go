package files

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tree makes files (relative path -> content) under a new directory.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, data := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
	}
	return root
}

// pairs lists a plan's jobs as "src -> dst" relative to base, for easy comparison.
func pairs(t *testing.T, base string, p Plan) []string {
	t.Helper()
	rel := func(path string) string {
		if path == "" || path == Stdio {
			return path
		}
		r, err := filepath.Rel(base, path)
		require.NoError(t, err)
		return filepath.ToSlash(r)
	}
	var out []string
	for _, j := range p.Jobs {
		out = append(out, rel(j.Src)+" -> "+rel(j.Dst))
	}
	return out
}

func TestPlanDirectoryMirrorsTree(t *testing.T) {
	base := tree(t, map[string]string{"src/a.txt": "a", "src/sub/b.log": "bb", "src/sub/deeper/c": "ccc"})
	require.NoError(t, os.Symlink(filepath.Join(base, "src/a.txt"), filepath.Join(base, "src/link")))

	p, err := MakePlan(Pack, []string{filepath.Join(base, "src")}, filepath.Join(base, "out"))

	require.NoError(t, err)
	assert.Equal(t, []string{
		"src/a.txt -> out/a.txt.gpk",
		"src/sub/b.log -> out/sub/b.log.gpk",
		"src/sub/deeper/c -> out/sub/deeper/c.gpk",
	}, pairs(t, base, p))
	require.Len(t, p.Skipped, 1, "the symbolic link is skipped, and reported")
	assert.Equal(t, filepath.Join(base, "src/link"), p.Skipped[0].Path)
	assert.Contains(t, p.Skipped[0].Reason, "symbolic link")
	assert.Equal(t, int64(2), p.Jobs[1].Size)
}

func TestPlanUnpackDirectoryTakesOnlyContainers(t *testing.T) {
	base := tree(t, map[string]string{"in/a.txt.gpk": "x", "in/notes.txt": "y"})
	p, err := MakePlan(Unpack, []string{filepath.Join(base, "in")}, filepath.Join(base, "out"))
	require.NoError(t, err)
	assert.Equal(t, []string{"in/a.txt.gpk -> out/a.txt"}, pairs(t, base, p))
	require.Len(t, p.Skipped, 1)
	assert.Contains(t, p.Skipped[0].Reason, "not a .gpk file")
}

func TestPlanSingleFile(t *testing.T) {
	base := tree(t, map[string]string{"a.txt": "a", "a.txt.gpk": "x", "dir/keep": ""})
	cases := []struct {
		op       Op
		src, dst string
		want     string
	}{
		{Pack, "a.txt", "b.gpk", "a.txt -> b.gpk"},
		{Pack, "a.txt", "dir", "a.txt -> dir/a.txt.gpk"},
		{Pack, "a.txt", "new/", "a.txt -> new/a.txt.gpk"},
		{Pack, "a.txt", Stdio, "a.txt -> -"},
		{Unpack, "a.txt.gpk", "dir", "a.txt.gpk -> dir/a.txt"},
		{Unpack, "a.txt.gpk", "restored", "a.txt.gpk -> restored"},
		{Verify, "a.txt.gpk", "", "a.txt.gpk -> "},
	}
	for _, c := range cases {
		dst := c.dst
		if dst != Stdio && dst != "" {
			dst = filepath.Join(base, dst)
			if c.dst == "new/" {
				dst += "/"
			}
		}
		p, err := MakePlan(c.op, []string{filepath.Join(base, c.src)}, dst)
		require.NoError(t, err, "%v %s %s", c.op, c.src, c.dst)
		assert.Equal(t, []string{c.want}, pairs(t, base, p), "%v %s %s", c.op, c.src, c.dst)
	}
}

func TestPlanManyPaths(t *testing.T) {
	base := tree(t, map[string]string{"a.txt": "a", "d/b": "b", "d/e/c": "c"})
	p, err := MakePlan(Pack, []string{filepath.Join(base, "a.txt"), filepath.Join(base, "d")}, filepath.Join(base, "out"))
	require.NoError(t, err)
	assert.Equal(t, []string{"a.txt -> out/a.txt.gpk", "d/b -> out/d/b.gpk", "d/e/c -> out/d/e/c.gpk"}, pairs(t, base, p))
}

func TestPlanStdin(t *testing.T) {
	p, err := MakePlan(Pack, []string{Stdio}, Stdio)
	require.NoError(t, err)
	require.Len(t, p.Jobs, 1)
	assert.Equal(t, Job{Src: Stdio, Dst: Stdio, Size: -1, Perm: 0o644}, p.Jobs[0])
	assert.Equal(t, "stdin", p.Jobs[0].Name())
}

// TestPlanErrors: every refusal names the path and what is wrong.
func TestPlanErrors(t *testing.T) {
	base := tree(t, map[string]string{"a.txt": "a", "b.txt": "b", "x/a.txt": "a2", "d/f": "f", "d/s/g": "g", "d/s/h.gpk": "h", "plain": "p", "out2/keep": "k"})
	at := func(name string) string { return filepath.Join(base, name) }
	// A link below the destination that leads back into the input tree.
	require.NoError(t, os.Symlink(filepath.Join("..", "d", "s"), at("out2/s")))
	cases := []struct {
		name string
		op   Op
		srcs []string
		dst  string
		want string
	}{
		{"nothing", Pack, nil, "out", "no input given"},
		{"missing input", Pack, []string{at("nope")}, at("out"), "no such file or directory"},
		{"stdin to a directory", Pack, []string{Stdio}, at("d"), "name the output file"},
		{"directory to stdout", Pack, []string{at("d")}, Stdio, "cannot go to standard output"},
		{"directory into a file", Pack, []string{at("d")}, at("plain"), "is not a directory"},
		{"output inside input", Pack, []string{at("d")}, at("d/out"), "is inside"},
		{"output inside input through a link below it", Pack, []string{at("d")}, at("out2"), "out2/s/g.gpk would be written inside " + at("d") + ", through a link or a mount"},
		{"the same, unpacking", Unpack, []string{at("d")}, at("out2"), "would be written inside"},
		{"many to stdout", Pack, []string{at("a.txt"), at("b.txt")}, Stdio, "standard output"},
		{"many into a file", Pack, []string{at("a.txt"), at("b.txt")}, at("plain"), "is not a directory"},
		{"stdin among many", Pack, []string{at("a.txt"), Stdio}, at("out"), "standard input"},
		{"two inputs one output", Pack, []string{at("a.txt"), at("x/a.txt")}, at("out"), "would both be written to"},
		{"unpack a non-container", Unpack, []string{at("a.txt")}, at("d"), "does not end in .gpk"},
		{"output in a missing directory", Pack, []string{at("a.txt")}, at("nodir/a.gpk"), "nodir: no such file or directory"},
		{"output under a file", Pack, []string{at("a.txt")}, at("plain/a.gpk"), "plain is not a directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := MakePlan(c.op, c.srcs, c.dst)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Empty(t, p.Jobs)
		})
	}
}

// mountFS is the OS, except that Stat of one directory describes another:
// what a bind mount (mount --bind target at) looks like to a program that
// only compares paths and identities, without needing the privilege to
// mount.
type mountFS struct {
	OS
	at, target string
}

func (m mountFS) Stat(name string) (fs.FileInfo, error) {
	if filepath.Clean(name) == m.at {
		return os.Stat(m.target)
	}
	return os.Stat(name)
}

// TestPlanRefusesAnInputUnderAnotherName: paths alone cannot see that two
// names are one file or one directory; identities can. An output that is
// an input through a hard link, and a directory tree packed into a
// destination where that tree is mounted again, are refused like the
// same path twice.
func TestPlanRefusesAnInputUnderAnotherName(t *testing.T) {
	base := tree(t, map[string]string{"a.txt": "a", "src/f": "f", "src/mnt/g": "g", "dst/mnt/keep": "k"})
	at := func(name string) string { return filepath.Join(base, name) }
	require.NoError(t, os.Link(at("a.txt"), at("b")))

	_, err := MakePlan(Pack, []string{at("a.txt")}, at("b"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "b is the input "+at("a.txt")+" under another name")

	// dst/mnt is src, mounted again: src/mnt/g would be packed to
	// dst/mnt/g.gpk, which is src/g.gpk, inside the tree being read.
	mounted := mountFS{at: at("dst/mnt"), target: at("src")}
	p, err := MakePlanFS(mounted, Pack, []string{at("src")}, at("dst"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "mnt/g.gpk would be written inside "+at("src")+", through a link or a mount")
	assert.Empty(t, p.Jobs)

	// Without the mount, the same plan is fine.
	p, err = MakePlanFS(OS{}, Pack, []string{at("src")}, at("dst"))
	require.NoError(t, err)
	assert.Len(t, p.Jobs, 2)
}

// TestResolverAgreesWithResolve: the resolver, which remembers each
// directory's resolution, gives every path what Resolve gives it, through
// links to directories and to files, dangling links, and outputs that do
// not exist yet; asked twice, from its memory too.
func TestResolverAgreesWithResolve(t *testing.T) {
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	require.NoError(t, os.MkdirAll(at("real/sub"), 0o755))
	require.NoError(t, os.WriteFile(at("real/sub/file"), []byte("x"), 0o644))
	require.NoError(t, os.Symlink(at("real"), at("linkdir")))
	require.NoError(t, os.Symlink("real/sub/file", at("linkfile")))
	require.NoError(t, os.Symlink(at("nowhere"), at("dangling")))
	t.Chdir(dir)

	paths := []string{
		at("real/sub/file"), at("real/sub/new"), at("real/new/deeper/file"),
		at("linkdir/sub/file"), at("linkdir/sub/new"), at("linkdir/new/x"),
		at("linkfile"), at("dangling"), at("dangling/under"),
		"real/sub/file", "linkdir/../real/sub/new", "./linkfile", "/", dir,
	}
	r := resolver{dirs: map[string]string{}}
	for range 2 {
		for _, p := range paths {
			assert.Equal(t, Resolve(p), r.resolve(p), "%s", p)
		}
	}
}
