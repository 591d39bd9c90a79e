package pssh

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"golang.org/x/crypto/ssh"
)

// ControlHost is one host of a control master, as [ControlStatus]
// reports it.
type ControlHost struct {
	Host string `json:"host"` // the host as the master's list or a Client named it
	// Connected: the master holds a connection to the host now.
	Connected bool `json:"connected"`
	// InUse counts the commands, copies and forwards using the host's
	// connection now.
	InUse int `json:"in_use"`
}

// The status question: a link whose user is controlStatusUser (no host
// has that name) asks it with the global request controlStatusRequest,
// answered with the hosts as JSON; such a link opens no channel.
const (
	controlStatusUser    = "\x00status"
	controlStatusRequest = "status@pssh"
)

// ControlStatus asks the control master listening on path for its hosts
// (those of its list, then those Clients asked it for) and the state of
// their connections. A master of another user is refused
// (ErrControlRefused).
func ControlStatus(ctx context.Context, path string) ([]ControlHost, error) {
	client, err := dialControl(ctx, path, controlStatusUser, "", attachTimeout)
	if err != nil {
		return nil, fmt.Errorf("pssh: control master %s: %w", path, err)
	}
	defer client.Close()
	ok, payload, err := client.SendRequest(controlStatusRequest, true, nil)
	if err == nil && !ok {
		err = fmt.Errorf("the master does not answer status requests")
	}
	var hosts []ControlHost
	if err == nil {
		err = json.Unmarshal(payload, &hosts)
	}
	if err != nil {
		return nil, fmt.Errorf("pssh: control master %s: %w", path, err)
	}
	return hosts, nil
}

// serveStatus answers status questions on a link until it closes.
func (m *master) serveStatus(chans <-chan ssh.NewChannel, reqs <-chan *ssh.Request) {
	go func() {
		for nc := range chans {
			nc.Reject(ssh.Prohibited, "a status link opens no channel")
		}
	}()
	for req := range reqs {
		if req.Type != controlStatusRequest {
			req.Reply(false, nil)
			continue
		}
		payload, err := json.Marshal(m.status())
		req.Reply(err == nil, payload)
	}
}

// status lists the master's hosts and their connections' state.
func (m *master) status() []ControlHost {
	m.mu.Lock()
	hosts := slices.Clone(m.c.hosts)
	extra := make([]*host, 0, len(m.extra))
	for _, h := range m.extra {
		extra = append(extra, h)
	}
	m.mu.Unlock()
	slices.SortFunc(extra, func(a, b *host) int { return a.index - b.index })
	var out []ControlHost
	for _, h := range append(hosts, extra...) {
		h.conn.mu.Lock()
		out = append(out, ControlHost{Host: h.name, Connected: h.conn.client != nil && !h.conn.closed, InUse: h.conn.users})
		h.conn.mu.Unlock()
	}
	return out
}
