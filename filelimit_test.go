package pssh

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/fdlimit"
)

// testConfig is a client config that needs no files and no server.
func testConfig() *Config {
	return &Config{
		IgnoreSSHConfig: true,
		User:            "tester",
		NoAgent:         true,
		NoDefaultKeys:   true,
		Password:        "x",
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		ConnectTimeout:  5 * time.Second,
	}
}

func TestFdsNeeded(t *testing.T) {
	for _, tc := range []struct {
		hosts int
		proxy string
		close bool // Config.CloseConnections, PoolSize 8
		want  uint64
	}{
		{0, "", false, fdMargin},
		{1, "", false, fdMargin + 1},
		{10000, "", false, fdMargin + 10000},
		{10, "nc %h %p", false, fdMargin + 10*(1+3)},
		{10000, "", true, fdMargin + 8},
		{5, "", true, fdMargin + 5},
		{10, "nc %h %p", true, fdMargin + 8*(1+3)},
	} {
		cfg := testConfig()
		cfg.ProxyCommand = tc.proxy
		if tc.close {
			cfg.CloseConnections, cfg.PoolSize = true, 8
		}
		hosts := make([]string, tc.hosts)
		for i := range hosts {
			hosts[i] = "127.0.0.1"
		}
		c, err := New(hosts, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.fdsNeeded(); got != tc.want {
			t.Errorf("%d hosts, ProxyCommand %q, CloseConnections %t: fdsNeeded() = %d, want %d", tc.hosts, tc.proxy, tc.close, got, tc.want)
		}
		if l := c.FileLimit(); l.Need != tc.want || l.Hosts != tc.hosts {
			t.Errorf("FileLimit() = %+v, want Need %d for %d hosts", l, tc.want, tc.hosts)
		}
		c.Close()
	}
}

// recordHandler keeps the records it is given.
type recordHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.records = append(h.records, r)
	h.mu.Unlock()
	return nil
}
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordHandler) WithGroup(string) slog.Handler      { return h }

func TestFileLimitWarning(t *testing.T) {
	rh := &recordHandler{}
	cfg := testConfig()
	cfg.HostLogHandler = rh
	c, err := New([]string{"127.0.0.1", "127.0.0.2"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if l := c.FileLimit(); !l.Fits() {
		t.Skipf("this process's limit %+v is too low for two hosts", l)
	}
	if len(rh.records) != 0 {
		t.Fatalf("warned although the limit fits: %v", rh.records[0].Message)
	}

	c.setFileLimit(fdlimit.Limit{Need: 5000, Soft: 1024, Hard: 1024, Raised: true, Known: true})
	if c.FileLimit().Fits() {
		t.Error("FileLimit().Fits() with need 5000 and limit 1024")
	}
	if len(rh.records) != 1 {
		t.Fatalf("%d records logged, want one warning", len(rh.records))
	}
	r := rh.records[0]
	if r.Level != slog.LevelWarn || !strings.Contains(r.Message, "5000") || !strings.Contains(r.Message, "soft 1024, hard 1024") {
		t.Errorf("warning %v %q: want a Warn naming the need and the limit", r.Level, r.Message)
	}
}

// TestEMFILEMentionsTheLimit checks that a host that cannot connect for
// lack of descriptors fails with a ConnectionError whose cause is a
// FileLimitError that names the limit.
func TestEMFILEMentionsTheLimit(t *testing.T) {
	cfg := testConfig()
	cfg.Dial = func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", syscall.EMFILE)}
	}
	c, err := New([]string{"127.0.0.1"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	outs, err := c.Run(context.Background(), "true", &RunOptions{ContinueOnErrors: true})
	if err != nil {
		t.Fatal(err)
	}
	herr := outs[0].Err()
	var ce *ConnectionError
	var fe *FileLimitError
	if !errors.As(herr, &ce) || !errors.As(herr, &fe) || !errors.Is(herr, syscall.EMFILE) {
		t.Fatalf("error %T %v: want a *ConnectionError wrapping a *FileLimitError and EMFILE", herr, herr)
	}
	if fe.Limit.Hosts != 1 || fe.Limit.Need != fdMargin+1 {
		t.Errorf("FileLimitError.Limit = %+v, want 1 host needing %d", fe.Limit, fdMargin+1)
	}
	msg := herr.Error()
	for _, want := range []string{"too many open files", "open file limit", "need about"} {
		if fe.Limit.Known && !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
}

// TestDefaultPoolSizeFitsTheFileLimit checks that a PoolSize left at zero
// becomes DefaultPoolSize, lowered with CloseConnections until the
// costliest connections fit under the hard limit, and that a PoolSize
// given is kept.
func TestDefaultPoolSizeFitsTheFileLimit(t *testing.T) {
	for _, tc := range []struct {
		hosts int
		proxy string // ProxyCommand of every host: 4 descriptors each
		limit uint64
		want  int
	}{
		{10, "", 1 << 20, DefaultPoolSize},                              // fewer hosts than the pool: kept
		{5000, "", 1 << 20, DefaultPoolSize},                            // fits
		{5000, "", 1024, 1024 - fdMargin},                               // one descriptor each
		{5000, "", fdMargin + 10, 10},                                   // a tight limit
		{5000, "", fdMargin, 1},                                         // never below 1
		{5000, "nc %h %p", 1024, (1024 - fdMargin) / 4},                 // ProxyCommand: four each
		{3, "nc %h %p", fdMargin + 12, DefaultPoolSize},                 // fewer hosts than the pool, all fit
		{3, "nc %h %p", fdMargin + 11, 2},                               // fewer hosts than the pool, not all fit
		{3000, "", uint64(fdMargin + DefaultPoolSize), DefaultPoolSize}, // exactly
	} {
		cfg := testConfig()
		cfg.ProxyCommand = tc.proxy
		cfg.CloseConnections = true
		hosts := make([]string, tc.hosts)
		for i := range hosts {
			hosts[i] = "127.0.0.1"
		}
		c, err := New(hosts, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.fittingPoolSize(DefaultPoolSize, tc.limit); got != tc.want {
			t.Errorf("%d hosts, ProxyCommand %q, limit %d: pool %d, want %d", tc.hosts, tc.proxy, tc.limit, got, tc.want)
		}
		c.Close()
	}

	// New itself, against this process's limit.
	hosts := make([]string, 2*DefaultPoolSize)
	for i := range hosts {
		hosts[i] = "127.0.0.1"
	}
	lim := fdlimit.Current()
	for _, tc := range []struct {
		pool  int
		close bool
		want  int
	}{
		{0, false, DefaultPoolSize}, // every connection kept: the pool does not change the need
		{0, true, DefaultPoolSize},  // lowered only if the hard limit is low
		{7, true, 7},                // given: kept
		{5000, true, 5000},
	} {
		cfg := testConfig()
		cfg.PoolSize, cfg.CloseConnections = tc.pool, tc.close
		c, err := New(hosts, cfg)
		if err != nil {
			t.Fatal(err)
		}
		want := tc.want
		if usable := lim.Hard - lim.Hard/4; tc.pool == 0 && tc.close && lim.Known && usable < uint64(fdMargin+DefaultPoolSize) {
			want = max(1, int(usable)-fdMargin)
		}
		if got := c.FileLimit().PoolSize; got != want {
			t.Errorf("PoolSize %d, CloseConnections %t: FileLimit().PoolSize = %d, want %d (limit %s)", tc.pool, tc.close, got, want, lim)
		}
		c.Close()
	}
}
