package pssh

import "context"

// ServeControlAs is ServeControl serving only the user uid, for the tests
// of the peer check.
func (c *Client) ServeControlAs(ctx context.Context, path string, opt *ControlOptions, uid int) error {
	return c.serveControl(ctx, path, opt, uid)
}
