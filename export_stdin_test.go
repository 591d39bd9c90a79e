package pssh

// StdinHeld tells whether o's Stdin still holds its command's session
// channel (it lets go of it once the session ended).
func StdinHeld(o *HostOutput) bool {
	s, ok := o.Stdin.(*endingStdin)
	return ok && s.get() != nil
}

// MemoryLimitSet returns the soft memory limit c holds now, 0 if none.
func MemoryLimitSet(c *Client) int64 {
	if c.memLimit == nil {
		return 0
	}
	return c.memLimit.Set()
}
