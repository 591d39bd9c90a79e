package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/groups"
)

// lastRun is what pssh keeps of its last run, for @failed and
// --retry-failed: host entries only, never the command (it may hold a
// secret), its output or any credential.
type lastRun struct {
	Time      time.Time `json:"time"`
	Failed    []string  `json:"failed"`    // reached, then failed: a non-zero exit, a signal, a timeout
	Unreached []string  `json:"unreached"` // never ran the command (pssh.Unreached)
	Succeeded []string  `json:"succeeded"`
}

// lastRunFile is where the last run is recorded:
// $XDG_STATE_HOME/pssh/last-run.json, by default under ~/.local/state.
func lastRunFile() (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" || !filepath.IsAbs(dir) { // a relative value is invalid, as the XDG spec says
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no directory for pssh's state: %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "pssh", "last-run.json"), nil
}

// readLastRun reads the last run's record; none yet is no error, and
// gives an empty record.
func readLastRun() (*lastRun, string, error) {
	path, err := lastRunFile()
	if err != nil {
		return nil, "", err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &lastRun{}, path, nil
	}
	if err != nil {
		return nil, path, err
	}
	var lr lastRun
	if err := json.Unmarshal(data, &lr); err != nil {
		return nil, path, fmt.Errorf("%s: %w", path, err)
	}
	return &lr, path, nil
}

// lastRunSource is pssh's own group source, "last": @failed (failed or
// unreached in the last run), @unreached and @succeeded.
func lastRunSource() (groups.Source, error) {
	lr, _, err := readLastRun()
	if err != nil {
		return nil, err
	}
	return groups.Static("last", map[string][]string{
		"failed":    append(append([]string{}, lr.Failed...), lr.Unreached...),
		"unreached": lr.Unreached,
		"succeeded": lr.Succeeded,
	}), nil
}

// hostEnd is how one host of a run ended, for the record.
type hostEnd struct {
	entry string // the host's entry, [user@]host[:port]
	ok    bool
	err   error // the host's error, if any (a non-zero exit has none)
}

// record keeps the hosts of a finished run (see recordRun), in host-list
// order.
func (r *reporter) record(o *groupOptions, errOut io.Writer) {
	results := r.byIndex()
	ends := make([]hostEnd, len(results))
	for i, res := range results {
		ends[i] = hostEnd{res.out.Host, res.outcome == succeeded, res.out.Err()}
	}
	recordRun(o, ends, errOut)
}

// recordRun keeps the hosts of a finished run in the state file, and in
// the --failed-to file if asked, without failing the run: a problem is
// warned about on errOut.
func recordRun(o *groupOptions, ends []hostEnd, errOut io.Writer) {
	lr := lastRun{Time: time.Now().UTC()}
	for _, e := range ends {
		entry := recordable(e.entry)
		switch {
		case e.ok:
			lr.Succeeded = append(lr.Succeeded, entry)
		case pssh.Unreached(e.err):
			lr.Unreached = append(lr.Unreached, entry)
		default:
			lr.Failed = append(lr.Failed, entry)
		}
	}
	if err := writeLastRun(&lr); err != nil {
		fmt.Fprintf(errOut, "pssh: warning: could not record the failed hosts for @failed: %v\n", err)
	}
	if o.failedTo != "" {
		var b strings.Builder
		for _, h := range append(append([]string{}, lr.Failed...), lr.Unreached...) {
			b.WriteString(h + "\n")
		}
		if err := writePrivate(o.failedTo, []byte(b.String())); err != nil {
			fmt.Fprintf(errOut, "pssh: warning: --failed-to: %v\n", err)
		}
	}
}

// recordable is a host entry as it may be recorded: a user written
// "user:password@host", as in a URL, loses what follows the colon.
func recordable(entry string) string {
	at := strings.LastIndexByte(entry, '@')
	if at < 0 {
		return entry
	}
	user, _, _ := strings.Cut(entry[:at], ":")
	return user + entry[at:]
}

// writeLastRun replaces the state file, in a directory only the user can
// read.
func writeLastRun(lr *lastRun) error {
	path, err := lastRunFile()
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(lr, "", "  ")
	if err != nil {
		return err
	}
	return writePrivate(path, append(data, '\n'))
}

// writePrivate replaces path with data, mode 0600, atomically: a
// concurrent run reads the old file or the new one, never half of one.
func writePrivate(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
