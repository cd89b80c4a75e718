package workload

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// A File is one generated input file: its content is New(Kind, Size, Seed).
type File struct {
	Name string // slash-separated path relative to the corpus root, e.g. "small/0001.log"
	Size int64
	Kind Kind
	Seed uint64
}

// Open returns a reader of the file's content.
func (f File) Open() io.Reader {
	return New(f.Kind, f.Size, f.Seed)
}

// corpusStream keeps the corpus plan's random stream apart from the
// content streams of the same seed.
const corpusStream = 0x636f7270 // "corp"

// Corpus returns a deterministic multi-file workload: first "huge.bin", a
// Mixed file of hugeSize bytes, then n small files named "small/0001.txt",
// "small/0002.log" and so on, of varied kinds and of sizes between 1 and
// maxSmall bytes (many tiny, few large). Negative sizes count as 0 and a
// maxSmall below 1 as 1.
func Corpus(seed uint64, hugeSize int64, n int, maxSmall int64) []File {
	plan := rand.NewPCG(seed, corpusStream)
	maxSmall = max(maxSmall, 1)
	files := make([]File, 0, 1+max(n, 0))
	files = append(files, File{Name: "huge.bin", Size: max(hugeSize, 0), Kind: Mixed, Seed: seed})
	for i := 1; i <= n; i++ {
		kind := smallFileKind(plan.Uint64())
		files = append(files, File{
			Name: fmt.Sprintf("small/%04d%s", i, extension(kind)),
			Size: logUniform(plan, 1, maxSmall),
			Kind: kind,
			Seed: plan.Uint64(),
		})
	}
	return files
}

// smallFileKind turns random bits into the kind of a small file: a source
// tree or a mail folder is mostly text, then logs, some binaries, and the
// odd sparse file.
func smallFileKind(r uint64) Kind {
	switch p := r % 100; {
	case p < 50:
		return Text
	case p < 80:
		return Logs
	case p < 95:
		return Random
	}
	return Zeros
}

// extension returns the file-name extension that suits kind's content.
func extension(kind Kind) string {
	switch kind {
	case Text:
		return ".txt"
	case Logs:
		return ".log"
	case Zeros:
		return ".img"
	}
	return ".bin"
}

// WriteFiles writes each file under dir, creating the directories its
// name needs. It stops at the first failure and returns an error that
// names the file. Names must be local paths (no "..", not absolute), so a
// corpus cannot write outside dir.
func WriteFiles(dir string, files []File) error {
	for _, f := range files {
		if err := writeFile(dir, f); err != nil {
			return fmt.Errorf("workload: writing %s: %w", f.Name, err)
		}
	}
	return nil
}

// writeFile writes one file's content to its place under dir.
func writeFile(dir string, f File) (err error) {
	name := filepath.FromSlash(f.Name)
	if !filepath.IsLocal(name) {
		return errors.New("name is not a local path")
	}
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	// A failed Close can mean the data never reached the disk, so its
	// error counts as much as a failed write.
	defer func() { err = errors.Join(err, out.Close()) }()
	_, err = io.Copy(out, f.Open())
	return err
}
