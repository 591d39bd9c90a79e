package pssh

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// hostLog writes consumed lines to Config.HostLogger and Config.HostLogHandler.
// A nil *hostLog logs nothing.
type hostLog struct {
	mu      sync.Mutex
	w       io.Writer
	handler slog.Handler
	buf     []byte
}

func newHostLog(w io.Writer, h slog.Handler) *hostLog {
	if w == nil && h == nil {
		return nil
	}
	return &hostLog{w: w, handler: h}
}

// line logs one line: "[host]\tline" for stdout and "[host stderr]\tline" for
// stderr on the writer, and an Info record with host and stream attributes on
// the handler.
func (l *hostLog) line(host, stream, line string) {
	if l == nil {
		return
	}
	if l.w != nil {
		l.mu.Lock()
		b := append(l.buf[:0], '[')
		b = append(b, host...)
		if stream == "stderr" {
			b = append(b, " stderr"...)
		}
		b = append(b, "]\t"...)
		b = append(b, line...)
		b = append(b, '\n')
		l.w.Write(b)
		l.buf = b
		l.mu.Unlock()
	}
	if l.handler != nil {
		ctx := context.Background()
		if l.handler.Enabled(ctx, slog.LevelInfo) {
			r := slog.NewRecord(time.Now(), slog.LevelInfo, line, 0)
			r.AddAttrs(slog.String("host", host), slog.String("stream", stream))
			l.handler.Handle(ctx, r)
		}
	}
}

// warn logs a client warning as a Warn record to the handler (the writer,
// which carries host output, gets none).
func (l *hostLog) warn(msg string, attrs ...slog.Attr) {
	if l == nil || l.handler == nil {
		return
	}
	ctx := context.Background()
	if l.handler.Enabled(ctx, slog.LevelWarn) {
		r := slog.NewRecord(time.Now(), slog.LevelWarn, msg, 0)
		r.AddAttrs(attrs...)
		l.handler.Handle(ctx, r)
	}
}
