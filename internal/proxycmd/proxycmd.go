// Package proxycmd runs an OpenSSH-style ProxyCommand and makes its stdin
// and stdout a net.Conn to speak SSH over.
package proxycmd

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gopssh/pssh/internal/childenv"
)

// Expand replaces OpenSSH's tokens in command: %h the host name, %p the
// port, %r the remote user, %% a percent sign. Any other token is an error.
func Expand(command, host string, port int, user string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(command); i++ {
		c := command[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(command) {
			return "", fmt.Errorf("ProxyCommand %q ends with a lone %%", command)
		}
		i++
		switch command[i] {
		case 'h':
			b.WriteString(host)
		case 'p':
			b.WriteString(strconv.Itoa(port))
		case 'r':
			b.WriteString(user)
		case '%':
			b.WriteByte('%')
		default:
			return "", fmt.Errorf("ProxyCommand %q: unknown token %%%c (known: %%h, %%p, %%r, %%%%)", command, command[i])
		}
	}
	return b.String(), nil
}

// Error is a proxy command that failed: it exited, or could not start,
// before the connection was closed.
type Error struct {
	Command string
	Stderr  string // the end of what it wrote to stderr
	Err     error  // usually an *exec.ExitError
}

func (e *Error) Error() string {
	s := fmt.Sprintf("proxy command %q: %v", e.Command, e.Err)
	if e.Stderr != "" {
		s += ": " + e.Stderr
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// stderrLimit is how much of the command's stderr is kept.
const stderrLimit = 4 << 10

// exitWait is how long a Read that met the end of the command's stdout
// waits for the command to exit, to report its status and stderr.
const exitWait = 2 * time.Second

// Conn is the running command as a connection.
type Conn struct {
	command string
	cmd     *exec.Cmd
	stdin   *os.File // our end of the command's stdin
	stdout  *os.File // our end of the command's stdout
	exited  chan struct{}
	waitErr error // set before exited is closed

	stderrMu sync.Mutex
	stderr   []byte

	closeOnce sync.Once
}

// Start runs command with "sh -c" and returns it as a connection. Closing
// the connection kills the command.
func Start(command string) (*Conn, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	c := &Conn{command: command, stdin: inW, stdout: outR, exited: make(chan struct{})}
	c.cmd = childenv.Command("sh", "-c", command)
	c.cmd.Stdin = inR
	c.cmd.Stdout = outW
	c.cmd.Stderr = (*stderrWriter)(c)
	setProcessGroup(c.cmd)
	err = c.cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, &Error{Command: command, Err: err}
	}
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

type stderrWriter Conn

func (w *stderrWriter) Write(p []byte) (int, error) {
	w.stderrMu.Lock()
	defer w.stderrMu.Unlock()
	w.stderr = append(w.stderr, p...)
	if n := len(w.stderr); n > stderrLimit {
		w.stderr = append(w.stderr[:0], w.stderr[n-stderrLimit:]...)
	}
	return len(p), nil
}

// failure returns the command's failure once it has exited with an error,
// or nil.
func (c *Conn) failure() error {
	select {
	case <-c.exited:
	case <-time.After(exitWait):
		return nil
	}
	if c.waitErr == nil {
		return nil
	}
	c.stderrMu.Lock()
	stderr := strings.TrimSpace(string(c.stderr))
	c.stderrMu.Unlock()
	return &Error{Command: c.command, Stderr: stderr, Err: c.waitErr}
}

// Read reads the command's stdout. At its end, if the command failed, the
// error says how, with its stderr.
func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.stdout.Read(p)
	if err == io.EOF {
		if f := c.failure(); f != nil {
			return n, f
		}
	}
	return n, err
}

// Write writes to the command's stdin.
func (c *Conn) Write(p []byte) (int, error) {
	n, err := c.stdin.Write(p)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		if f := c.failure(); f != nil {
			return n, f
		}
	}
	return n, err
}

// Close closes the pipes and kills the command (its process group).
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.stdin.Close()
		c.stdout.Close()
		select {
		case <-c.exited:
		default:
			killProcessGroup(c.cmd.Process)
			<-c.exited
		}
	})
	return nil
}

// LocalAddr and RemoteAddr are the unspecified address 0.0.0.0:0: a pipe
// has none. (Host key checks need a host:port they can parse, and check
// the host name only when they have it, as OpenSSH does with a
// ProxyCommand.)
func (c *Conn) LocalAddr() net.Addr  { return unknownAddr }
func (c *Conn) RemoteAddr() net.Addr { return unknownAddr }

var unknownAddr = &net.TCPAddr{IP: net.IPv4zero}

// SetDeadline sets the read and write deadlines of the pipes.
func (c *Conn) SetDeadline(t time.Time) error {
	c.stdin.SetWriteDeadline(t)
	return c.stdout.SetReadDeadline(t)
}

// SetReadDeadline sets the deadline of reads from the command's stdout.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.stdout.SetReadDeadline(t) }

// SetWriteDeadline sets the deadline of writes to the command's stdin.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.stdin.SetWriteDeadline(t) }
