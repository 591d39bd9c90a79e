package pssh

import "github.com/gopssh/pssh/internal/escape"

// maxCauseText bounds how much of its cause's text a host's error quotes.
const maxCauseText = 1024

// causeText is the text of err, the cause that a host's error wraps, as
// that error quotes it: escaped and at most maxCauseText bytes (see
// internal/escape). A cause may carry words a server chose (a disconnect
// message, a jump host's refusal, an SFTP or SCP server's message, the
// algorithms it offered) as long as it likes, with newlines and escape
// sequences: an error text is one line of bounded size, safe on a terminal
// and in a log, whatever the server sent. errors.As still finds the cause
// whole.
func causeText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return escape.Line(err.Error(), maxCauseText)
}
