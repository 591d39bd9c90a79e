package pssh

import (
	"io"
	"net"
	"sync"

	"golang.org/x/crypto/ssh"
)

// A Client attached to a control master holds one link to it: an SSH
// connection over the Unix socket whose user is controlMuxUser. Every
// host's channels travel on it, each opened as a controlHostChannel
// whose extra data names the host, the attaching Client's credentials
// for it, and the channel type and data meant for the host; the master
// checks the credentials at every open and relays the channel to its
// connection to the host. One link, whatever the number of hosts: a
// second command on a thousand hosts costs no key exchange at all.
const (
	controlMuxUser      = "\x00mux"
	controlHostChannel  = "pssh-host@gopssh"
	controlCheckRequest = "pssh-check@gopssh"
)

// hostChannel is a controlHostChannel's extra data.
type hostChannel struct {
	Host        string
	Credentials string
	Type        string
	Data        []byte `ssh:"rest"`
}

// hostCheck is a controlCheckRequest's payload: would the master serve
// this host with these credentials?
type hostCheck struct {
	Host        string
	Credentials string
}

// controlLink is a Client's link to its master.
type controlLink struct {
	client *ssh.Client
	dead   chan struct{} // closed when the link is lost
	err    error         // why, set before dead is closed
}

func newControlLink(client *ssh.Client) *controlLink {
	l := &controlLink{client: client, dead: make(chan struct{})}
	go func() {
		l.err = client.Wait()
		if l.err == nil {
			l.err = io.EOF
		}
		close(l.dead)
	}()
	return l
}

func (l *controlLink) lost() bool {
	select {
	case <-l.dead:
		return true
	default:
		return false
	}
}

// check asks the master whether it serves h with h's credentials: one
// request over the socket, no round trip to the host. ErrControlRefused
// if not.
func (l *controlLink) check(h *host) error {
	ok, _, err := l.client.SendRequest(controlCheckRequest, true, ssh.Marshal(&hostCheck{Host: h.name, Credentials: h.credentials}))
	if err != nil {
		return err
	}
	if !ok {
		return ErrControlRefused
	}
	return nil
}

// host returns a client for h whose channels travel on the link.
func (l *controlLink) host(h *host) *ssh.Client {
	hc := &hostConn{link: l, host: h.name, credentials: h.credentials, done: make(chan struct{}), chans: map[*hostChannelConn]struct{}{}}
	none := make(chan ssh.NewChannel)
	close(none)
	noReqs := make(chan *ssh.Request)
	close(noReqs)
	return ssh.NewClient(hc, none, noReqs)
}

// hostConn is one host's connection as an attached Client sees it: an
// ssh.Conn whose channels are opened on the link. Closing it closes its
// channels, not the link.
type hostConn struct {
	link        *controlLink
	host        string
	credentials string

	mu     sync.Mutex
	closed bool
	done   chan struct{}
	chans  map[*hostChannelConn]struct{}
}

func (c *hostConn) OpenChannel(name string, data []byte) (ssh.Channel, <-chan *ssh.Request, error) {
	ch, reqs, err := c.link.client.OpenChannel(controlHostChannel,
		ssh.Marshal(&hostChannel{Host: c.host, Credentials: c.credentials, Type: name, Data: data}))
	if err != nil {
		return nil, nil, err
	}
	hch := &hostChannelConn{Channel: ch, conn: c}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		ch.Close()
		return nil, nil, io.EOF
	}
	c.chans[hch] = struct{}{}
	return hch, reqs, nil
}

// SendRequest sends a global request to the master (a keepalive learns
// that the master is there, not the host).
func (c *hostConn) SendRequest(name string, wantReply bool, payload []byte) (bool, []byte, error) {
	return c.link.client.SendRequest(name, wantReply, payload)
}

// Wait returns when the host's connection is closed, or the link lost.
func (c *hostConn) Wait() error {
	select {
	case <-c.done:
		return nil
	case <-c.link.dead:
		return c.link.err
	}
}

func (c *hostConn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.done)
	chans := c.chans
	c.chans = nil
	c.mu.Unlock()
	for ch := range chans {
		ch.Channel.Close()
	}
	return nil
}

func (c *hostConn) User() string          { return c.host }
func (c *hostConn) SessionID() []byte     { return c.link.client.SessionID() }
func (c *hostConn) ClientVersion() []byte { return c.link.client.ClientVersion() }
func (c *hostConn) ServerVersion() []byte { return c.link.client.ServerVersion() }
func (c *hostConn) RemoteAddr() net.Addr  { return c.link.client.RemoteAddr() }
func (c *hostConn) LocalAddr() net.Addr   { return c.link.client.LocalAddr() }

// hostChannelConn is a channel of a hostConn, forgotten by it once closed.
type hostChannelConn struct {
	ssh.Channel
	conn *hostConn
}

func (ch *hostChannelConn) Close() error {
	ch.conn.mu.Lock()
	delete(ch.conn.chans, ch)
	ch.conn.mu.Unlock()
	return ch.Channel.Close()
}

// innerChannel is a controlHostChannel as the master relays it: the
// channel type and data meant for the host.
type innerChannel struct {
	ssh.NewChannel
	hc *hostChannel
}

func (c innerChannel) ChannelType() string { return c.hc.Type }
func (c innerChannel) ExtraData() []byte   { return c.hc.Data }
