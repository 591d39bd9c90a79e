package pssh

import (
	"context"
)

// SCPSend is CopyFile over the SCP protocol.
func (c *Client) SCPSend(ctx context.Context, local, remote string, opt *CopyOptions) ([]*CopyResult, error) {
	panic("todo")
}

// SCPRecv is CopyRemoteFile over the SCP protocol.
func (c *Client) SCPRecv(ctx context.Context, remote, local string, opt *CopyOptions) ([]*CopyResult, error) {
	panic("todo")
}
