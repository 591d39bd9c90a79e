package knownhosts

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
)

// Store holds known_hosts files as read, so that each file is read and
// parsed once however many DBs (policies, lists of files) use it, and
// looked up through an index rather than line by line. It is safe for
// concurrent use. The zero value is ready to use.
type Store struct {
	// Warn, if set, receives each warning once, when the line is first
	// found (at the first read of its file, or at a read again after
	// another process changed the file).
	Warn func(Warning)

	mu     sync.Mutex
	files  map[string]*file
	warned map[Warning]bool
	all    []Warning
}

// Warnings returns the warnings of the files read so far, in the order
// found.
func (s *Store) Warnings() []Warning {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.all)
}

// file returns the store's file name, reading it on first use.
func (s *Store) file(name string) *file {
	s.mu.Lock()
	f, ok := s.files[name]
	if !ok {
		if s.files == nil {
			s.files = make(map[string]*file)
		}
		f = &file{name: name, store: s}
		s.files[name] = f
	}
	s.mu.Unlock()
	f.once.Do(func() {
		f.mu.Lock()
		f.load()
		f.mu.Unlock()
	})
	return f
}

// warn records and passes on the warnings not seen before.
func (s *Store) warn(ws []Warning) {
	var fresh []Warning
	s.mu.Lock()
	for _, w := range ws {
		if !s.warned[w] {
			if s.warned == nil {
				s.warned = make(map[Warning]bool)
			}
			s.warned[w] = true
			s.all = append(s.all, w)
			fresh = append(fresh, w)
		}
	}
	s.mu.Unlock()
	if s.Warn != nil {
		for _, w := range fresh {
			s.Warn(w)
		}
	}
}

// file is one known_hosts file as read: a missing file is empty, as
// OpenSSH reads it; a file that cannot be read has err set, and fails
// every check that uses it.
type file struct {
	name  string
	store *Store
	once  sync.Once

	mu    sync.RWMutex        // held for reading by lookups; for writing by load and add
	state fileState           // the file as read
	err   error               // it could not be read
	lines int                 // lines in the file, the last one's number
	exact map[string][]*entry // lookup name -> the lines whose patterns are all plain names
	scan  []*entry            // lines with a hashed name or a wildcard: tried one by one

	// memo keeps what scanning found for each name looked up since the
	// file was read: a host is looked up several times per connection.
	memoMu sync.Mutex
	memo   map[string][]*entry
}

// FileError is the error of a check that needed a file that could not be
// read: the host cannot be checked.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string {
	return fmt.Sprintf("knownhosts: cannot read %s: %v", e.File, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// load (re)reads the file; f.mu is held.
func (f *file) load() {
	f.exact, f.scan, f.lines, f.err = make(map[string][]*entry), nil, 0, nil
	f.forget()
	st, err := statFile(f.name)
	if err != nil {
		f.state, f.err = fileState{}, err
		return
	}
	f.state = st
	if !st.exists {
		return
	}
	data, err := os.ReadFile(f.name)
	if errors.Is(err, os.ErrNotExist) {
		f.state = fileState{}
		return
	}
	if err != nil {
		f.err = err
		return
	}
	entries, warnings, n := parse(f.name, data)
	f.lines = n
	for _, e := range entries {
		f.index(e)
	}
	f.store.warn(warnings)
}

// index adds e to the lookup structures; f.mu is held.
func (f *file) index(e *entry) {
	literal := e.patterns != nil
	for _, p := range e.patterns {
		if !p.negated && !p.literal {
			literal = false
		}
	}
	if !literal {
		f.scan = append(f.scan, e)
		f.forget()
		return
	}
	for i, p := range e.patterns {
		if p.negated || slices.ContainsFunc(e.patterns[:i], func(q pattern) bool { return q == p }) {
			continue
		}
		f.exact[p.text] = append(f.exact[p.text], e)
	}
}

// lookup appends to out the lines that name host, in file order.
func (f *file) lookup(host string, out []*entry) ([]*entry, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.err != nil {
		return out, &FileError{File: f.name, Err: f.err}
	}
	start := len(out)
	for _, e := range f.exact[host] {
		if e.matches(host, nil) {
			out = append(out, e)
		}
	}
	out = append(out, f.scanned(host)...)
	slices.SortFunc(out[start:], func(a, b *entry) int { return a.line.Line - b.line.Line })
	return out, nil
}

// scanned returns the lines of f.scan that name host; f.mu is held.
func (f *file) scanned(host string) []*entry {
	f.memoMu.Lock()
	found, ok := f.memo[host]
	f.memoMu.Unlock()
	if ok {
		return found
	}
	var h *hmacSHA1
	for _, e := range f.scan {
		if e.hashed != nil && h == nil {
			h = newHMAC(host)
		}
		if e.matches(host, h) {
			found = append(found, e)
		}
	}
	f.memoMu.Lock()
	if f.memo == nil {
		f.memo = make(map[string][]*entry)
	}
	f.memo[host] = found
	f.memoMu.Unlock()
	return found
}

// forget drops what scanning found; f.mu is held for writing.
func (f *file) forget() {
	f.memoMu.Lock()
	f.memo = nil
	f.memoMu.Unlock()
}

// reloadIfChanged reads the file again if it changed since it was read.
func (f *file) reloadIfChanged() {
	st, err := statFile(f.name)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil && f.err == nil && st.same(f.state) {
		return
	}
	f.load()
}

// changed tells whether the file differs from when it was read.
func (f *file) changed() bool {
	st, err := statFile(f.name)
	f.mu.RLock()
	defer f.mu.RUnlock()
	return err != nil || f.err != nil || !st.same(f.state)
}

// fileState identifies a version of a file, to tell whether it changed.
type fileState struct {
	exists bool
	info   os.FileInfo
}

func statFile(name string) (fileState, error) {
	fi, err := os.Stat(name)
	if errors.Is(err, os.ErrNotExist) {
		return fileState{}, nil
	}
	if err != nil {
		return fileState{}, err
	}
	return fileState{exists: true, info: fi}, nil
}

func (s fileState) same(o fileState) bool {
	if s.exists != o.exists {
		return false
	}
	if !s.exists {
		return true
	}
	return os.SameFile(s.info, o.info) && s.info.Size() == o.info.Size() && s.info.ModTime().Equal(o.info.ModTime())
}
