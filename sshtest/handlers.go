package sshtest

import (
	"bytes"
	"context"
)

// Output returns a [Handler] that writes stdout and stderr, in that order,
// and ends as exit says: with an exit status, or by a signal, for example
// Output(nil, nil, Exit{Signal: "KILL"}). The bytes are sent as they are,
// binary or invalid UTF-8 included; the handler neither reads stdin nor
// heeds signals. Output does not copy stdout and stderr: do not change them
// while the handler may run.
func Output(stdout, stderr []byte, exit Exit) Handler {
	return func(_ context.Context, e *Exec) Exit {
		if len(stdout) > 0 {
			e.Stdout.Write(stdout)
		}
		if len(stderr) > 0 {
			e.Stderr.Write(stderr)
		}
		return exit
	}
}

// repeatChunk is about how many bytes Repeat writes at a time.
const repeatChunk = 32 << 10

// Repeat returns a [Handler] that writes size bytes to stdout, pattern
// repeated (the last copy cut short), then exits with status 0. For
// example Repeat([]byte("x"), 100<<20) is 100 MiB on one line with no
// newline at all. It returns early, with status 1, if the client goes
// away. An empty pattern writes nothing.
func Repeat(pattern []byte, size int64) Handler {
	var chunk []byte
	if len(pattern) > 0 {
		// Whole copies of pattern, so that chunk after chunk continues it.
		chunk = bytes.Repeat(pattern, max(1, repeatChunk/len(pattern)))
	}
	return func(_ context.Context, e *Exec) Exit {
		if len(chunk) == 0 {
			return Exit{}
		}
		for left := size; left > 0; {
			n := int(min(int64(len(chunk)), left))
			if _, err := e.Stdout.Write(chunk[:n]); err != nil {
				return Exit{Code: 1}
			}
			left -= int64(n)
		}
		return Exit{}
	}
}

// Hang returns a [Handler] that writes stdout, then never exits: it ignores
// signals and stdin and returns only when ctx ends, because the client
// closed the channel or the connection, or the server was closed. It stands
// for a command stuck for good, which only a client-side timeout ends.
func Hang(stdout []byte) Handler {
	return func(ctx context.Context, e *Exec) Exit {
		if len(stdout) > 0 {
			e.Stdout.Write(stdout)
		}
		<-ctx.Done()
		return Exit{Signal: "KILL"}
	}
}
