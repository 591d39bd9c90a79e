// Package sshrelay joins an SSH channel one peer opened to a channel of
// the same type on another SSH connection, so that a process holding
// connections can lend them out: data, extended data (stderr), requests
// and their replies, EOF and close all pass through, in both directions.
package sshrelay

import (
	"errors"
	"io"
	"sync"

	"golang.org/x/crypto/ssh"
)

// Opener opens channels; *ssh.Client is one.
type Opener interface {
	OpenChannel(name string, data []byte) (ssh.Channel, <-chan *ssh.Request, error)
}

// Relay opens a channel of nc's type and extra data on up, then accepts nc
// (or rejects it as up rejected the open), and relays the two channels
// until both are closed. It returns the error that kept it from opening:
// an *ssh.OpenChannelError when up refused, which nc was rejected with.
func Relay(nc ssh.NewChannel, up Opener) error {
	upCh, upReqs, err := up.OpenChannel(nc.ChannelType(), nc.ExtraData())
	if err != nil {
		if oe, ok := errors.AsType[*ssh.OpenChannelError](err); ok {
			nc.Reject(oe.Reason, oe.Message)
		} else {
			nc.Reject(ssh.ConnectionFailed, err.Error())
		}
		return err
	}
	downCh, downReqs, err := nc.Accept()
	if err != nil {
		upCh.Close()
		return err
	}
	Join(downCh, downReqs, upCh, upReqs)
	return nil
}

// Join relays two open channels: down, the one a peer opened, and up, its
// counterpart. What down's peer writes goes to up, and what up's peer
// writes comes back; each side's EOF is passed on, and when up is closed
// (after its output has been passed on) down is closed, and the reverse.
// It returns when both are closed.
func Join(down ssh.Channel, downReqs <-chan *ssh.Request, up ssh.Channel, upReqs <-chan *ssh.Request) {
	var out sync.WaitGroup // up's output, passed down
	out.Add(2)
	go func() {
		defer out.Done()
		io.Copy(down, up)
	}()
	go func() {
		defer out.Done()
		io.Copy(down.Stderr(), up.Stderr())
	}()
	go func() {
		io.Copy(up, down)
		up.CloseWrite()
	}()
	go io.Copy(up.Stderr(), down.Stderr())
	// Held while a request of down's peer is passed on and answered: up
	// may answer, then send its exit status and close, before the answer
	// is passed back, and down must not be closed before that.
	var replying sync.Mutex
	downDone := make(chan struct{})
	go func() {
		defer close(downDone)
		forward(downReqs, up, &replying)
		// down's peer closed it: close up too.
		up.Close()
	}()
	forward(upReqs, down, nil)
	// up is closed: pass on the rest of its output, then close down.
	out.Wait()
	replying.Lock()
	down.CloseWrite()
	down.Close()
	replying.Unlock()
	<-downDone
}

// forward sends each request of reqs on to ch, and ch's reply back,
// holding mu (if not nil) meanwhile.
func forward(reqs <-chan *ssh.Request, ch ssh.Channel, mu *sync.Mutex) {
	for req := range reqs {
		if mu != nil {
			mu.Lock()
		}
		ok, err := ch.SendRequest(req.Type, req.WantReply, req.Payload)
		if err != nil {
			ok = false
		}
		if req.WantReply {
			req.Reply(ok, nil)
		}
		if mu != nil {
			mu.Unlock()
		}
	}
}
