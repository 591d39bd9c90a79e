package sshtest

import (
	"fmt"
	"math"
	"os"
	"syscall"
	"unsafe"

	"github.com/creack/pty"
	"golang.org/x/crypto/ssh"
)

// ptyState is a pseudo-terminal allocated by a pty-req request.
type ptyState struct {
	term          string
	columns, rows int
	// master and tty are nil for a Config.Handler, which gets no device.
	master *os.File // non-blocking, so that Close interrupts reads and writes
	tty    *os.File // the terminal side, given to the command
}

// Payloads of pty requests (RFC 4254 sections 6.2 and 6.7).
type (
	ptyRequestMsg struct {
		Term     string
		Columns  uint32
		Rows     uint32
		Width    uint32
		Height   uint32
		Modelist string
	}
	windowChangeMsg struct {
		Columns uint32
		Rows    uint32
		Width   uint32
		Height  uint32
	}
)

// requestPTY handles pty-req: it allocates a pty of the requested size.
// Terminal modes are ignored. Only one pty per session, before the command.
func (ss *session) requestPTY(payload []byte) bool {
	var msg ptyRequestMsg
	if err := ssh.Unmarshal(payload, &msg); err != nil || ss.pty != nil || ss.requested {
		return false
	}
	if ss.srv.cfg.Handler != nil {
		ss.pty = &ptyState{term: msg.Term, columns: int(msg.Columns), rows: int(msg.Rows)}
		ss.logf("pty recorded for the handler: %s %dx%d", msg.Term, msg.Columns, msg.Rows)
		return true
	}
	p, err := openPTY(msg.Term)
	if err == nil {
		err = setWinsize(p.master, msg.Columns, msg.Rows, msg.Width, msg.Height)
		if err != nil {
			p.close()
		}
	}
	if err != nil {
		ss.logf("pty-req: %v", err)
		return false
	}
	ss.pty = p
	ss.logf("pty allocated: %s %dx%d", msg.Term, msg.Columns, msg.Rows)
	return true
}

// windowChange handles window-change: it resizes the pty, which sends
// SIGWINCH to the terminal's foreground process group.
func (ss *session) windowChange(payload []byte) bool {
	var msg windowChangeMsg
	if err := ssh.Unmarshal(payload, &msg); err != nil || ss.pty == nil {
		return false
	}
	if ss.pty.master == nil {
		return true // a handler's pty: nothing to resize
	}
	if err := setWinsize(ss.pty.master, msg.Columns, msg.Rows, msg.Width, msg.Height); err != nil {
		ss.logf("window-change: %v", err)
		return false
	}
	return true
}

// openPTY allocates a pty whose master is in non-blocking mode and
// registered with the Go runtime poller. (pty.Open leaves the master in
// blocking mode, where closing it would not interrupt a pending read.)
func openPTY(term string) (*ptyState, error) {
	master, tty, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("opening pty: %w", err)
	}
	defer master.Close()
	syscall.ForkLock.RLock()
	fd, err := syscall.Dup(int(master.Fd()))
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err == nil {
		err = syscall.SetNonblock(fd, true)
		if err != nil {
			syscall.Close(fd)
		}
	}
	if err != nil {
		tty.Close()
		return nil, fmt.Errorf("duplicating pty: %w", err)
	}
	return &ptyState{term: term, master: os.NewFile(uintptr(fd), master.Name()), tty: tty}, nil
}

// close releases both sides of the pty.
func (p *ptyState) close() {
	if p.master != nil {
		p.master.Close()
		p.tty.Close()
	}
}

// setWinsize sets the terminal size without switching master to blocking
// mode (which pty.Setsize would do, through File.Fd).
func setWinsize(master *os.File, cols, rows, width, height uint32) error {
	ws := pty.Winsize{Cols: clamp16(cols), Rows: clamp16(rows), X: clamp16(width), Y: clamp16(height)}
	rc, err := master.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	err = rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSWINSZ, uintptr(unsafe.Pointer(&ws)))
	})
	if err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}

func clamp16(v uint32) uint16 {
	return uint16(min(v, math.MaxUint16))
}
