package pssh

import "github.com/gopssh/pssh/internal/memlimit"

// connMemory is what one connection streaming output may need in memory,
// as Config.RunMemoryLimit counts it by default: x/crypto/ssh's decryption
// buffer (up to 37 KiB, kept for the connection's life), its reading and
// writing buffers, the packets in flight, its goroutines' stacks, and the
// collector's room for the packets allocated anew as output arrives.
const connMemory = 128 << 10

// newMemLimit returns the limiter of Config.RunMemoryLimit, nil for none.
// c.cfg has its defaults and c.hosts is complete.
func (c *Client) newMemLimit() *memlimit.Limiter {
	cfg := &c.cfg
	allowance := cfg.RunMemoryLimit
	switch {
	case allowance < 0:
		return nil
	case allowance == 0 && (cfg.OutputMemoryTotal < 0 || cfg.BlockOnFullBuffer):
		return nil
	case allowance == 0:
		conns := len(c.hosts)
		if cfg.CloseConnections {
			conns = min(conns, cfg.PoolSize)
		}
		allowance = 2*cfg.OutputMemoryTotal + int64(conns)*connMemory
	}
	return memlimit.New(allowance)
}

// holdMemLimit holds the client's soft memory limit (Config.RunMemoryLimit)
// while a command runs, until the function it returns is called.
func (c *Client) holdMemLimit() (release func()) {
	if c.memLimit == nil {
		return func() {}
	}
	return c.memLimit.Hold()
}
