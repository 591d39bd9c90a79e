package pssh_test

import (
	"bytes"
	"crypto/rand"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// randomBytes returns n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// tree describes files by slash path: content, or a directory when the
// path ends in "/".
type tree map[string][]byte

// makeTree writes t under root.
func makeTree(tb testing.TB, root string, t tree) {
	tb.Helper()
	for name, content := range t {
		p := filepath.Join(root, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				tb.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// readTree reads root back as a tree, failing on anything but regular
// files and directories, and on leftover temporary files.
func readTree(tb testing.TB, root string) tree {
	tb.Helper()
	got := tree{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if strings.Contains(d.Name(), ".pssh-tmp-") {
			tb.Errorf("temporary file left: %s", p)
		}
		switch {
		case rel == ".":
		case d.IsDir():
			got[rel+"/"] = nil
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			got[rel] = b
		default:
			tb.Errorf("%s: unexpected %v", p, d.Type())
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return got
}

// sameTree reports the differences between want and got.
func sameTree(tb testing.TB, what string, want, got tree) {
	tb.Helper()
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			tb.Errorf("%s: %s missing", what, name)
		} else if !bytes.Equal(g, w) {
			tb.Errorf("%s: %s has %d bytes, want %d (content differs)", what, name, len(g), len(w))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			tb.Errorf("%s: unexpected %s", what, name)
		}
	}
}

// noTempFiles fails if a temporary transfer file is left under dir.
func noTempFiles(tb testing.TB, dir string) {
	tb.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".pssh-tmp-") {
			tb.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

// sampleTree is a directory tree with nested and empty directories, an
// empty file, and files smaller and larger than any buffer.
func sampleTree() tree {
	return tree{
		"empty":             {},
		"small.txt":         []byte("hello\n"),
		"big.bin":           randomBytes(3<<20 + 12345),
		"a/":                nil,
		"a/b/":              nil,
		"a/b/c/":            nil,
		"a/b/c/deep.bin":    randomBytes(70000),
		"a/empty-dir/":      nil,
		"a/name with space": []byte("spaced"),
	}
}
