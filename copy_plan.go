package pssh

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// entry is one item of a tree to copy.
type entry struct {
	rel   string // path below the root, with '/' separators; "" for the root
	dir   bool
	skip  string // why it is not copied (not a regular file or directory), if so
	mode  fs.FileMode
	size  int64
	mtime time.Time
	atime time.Time
}

// copyMode is the part of a file mode that is copied: permission bits,
// setuid, setgid and sticky.
func copyMode(m fs.FileMode) fs.FileMode {
	return m & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
}

// localPlan lists what copying the local path src sends: the root (a
// symbolic link given as the source is followed), and with recursive
// everything below a directory, parents before children. Below the root,
// symbolic links to regular files are followed (their content is sent as a
// file); symbolic links to directories, dangling ones and special files are
// marked skipped.
func localPlan(src string, recursive bool) ([]entry, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%w (%v)", ErrNotRegular, fi.Mode().Type())
		}
		return []entry{localEntry("", fi)}, nil
	}
	if !recursive {
		return nil, ErrIsDir
	}
	var plan []entry
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == "." {
			rel = ""
		}
		t := d.Type()
		switch {
		case t.IsDir():
			fi, err := d.Info()
			if err != nil {
				return err
			}
			plan = append(plan, localEntry(rel, fi))
		case t.IsRegular():
			fi, err := d.Info()
			if err != nil {
				return err
			}
			plan = append(plan, localEntry(rel, fi))
		case t&fs.ModeSymlink != 0:
			fi, err := os.Stat(p)
			switch {
			case err != nil:
				plan = append(plan, entry{rel: rel, skip: "dangling symbolic link"})
			case fi.Mode().IsRegular():
				plan = append(plan, localEntry(rel, fi))
			case fi.IsDir():
				plan = append(plan, entry{rel: rel, skip: "symbolic link to a directory (not followed)"})
			default:
				plan = append(plan, entry{rel: rel, skip: "symbolic link to a special file"})
			}
		default:
			plan = append(plan, entry{rel: rel, skip: "special file (" + t.String() + ")"})
		}
		return nil
	})
	return plan, err
}

func localEntry(rel string, fi fs.FileInfo) entry {
	return entry{rel: rel, dir: fi.IsDir(), mode: copyMode(fi.Mode()), size: fi.Size(), mtime: fi.ModTime(), atime: atime(fi)}
}

// planTotal is the content size of a plan.
func planTotal(plan []entry) int64 {
	var n int64
	for _, e := range plan {
		if !e.dir && e.skip == "" {
			n += e.size
		}
	}
	return n
}
