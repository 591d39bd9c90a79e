package pssh

import (
	"fmt"
	"log/slog"
	"slices"
)

// Warning is something the client skipped, or could not apply, without
// failing: today a known_hosts line that cannot be used (malformed, an
// unknown marker or key type), which is skipped as OpenSSH skips it.
type Warning struct {
	File string // the file it is about
	Line int    // the line, 1-based; 0 when it is about no line
	Text string // what is wrong
}

// String returns "FILE:LINE: TEXT" (or "FILE: TEXT" without a line).
func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Text)
	}
	return fmt.Sprintf("%s: %s", w.File, w.Text)
}

// Warnings returns the client's warnings so far, each once, in the order
// found. New reads the known_hosts files of every host, so their warnings
// are there when it returns; a file that another process changes is read
// again during a run, and adds its own. Each warning is also logged as a
// Warn record to Config.HostLogHandler, with "file" and "line" attributes,
// when it is found.
func (c *Client) Warnings() []Warning {
	c.warnMu.Lock()
	defer c.warnMu.Unlock()
	return slices.Clone(c.warnings)
}

// warn records a warning and logs it.
func (c *Client) warn(w Warning) {
	c.warnMu.Lock()
	c.warnings = append(c.warnings, w)
	c.warnMu.Unlock()
	c.hostLog.warn("pssh: warning: "+w.String(), slog.String("file", w.File), slog.Int("line", w.Line))
}
