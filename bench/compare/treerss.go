package main

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"time"
)

// treeRSSInterval is how often the resident memory of a tool's process tree
// is summed. Reading /proc/*/stat for a thousand processes takes a few
// milliseconds of CPU, taken from the cores the tools share: sampling is
// kept sparse, and the peak it finds is a lower bound.
const treeRSSInterval = 200 * time.Millisecond

// procStat is what treeRSS needs of /proc/PID/stat.
type procStat struct {
	ppid int
	rss  int64 // pages
}

// parseStat parses the contents of /proc/PID/stat. The command name, in
// parentheses, may contain spaces and parentheses: fields are counted from
// the last ')'.
func parseStat(b []byte) (procStat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, errors.New("no ')' in stat")
	}
	f := bytes.Fields(b[i+1:])
	// After the name: state ppid pgrp session tty_nr tpgid flags minflt
	// cminflt majflt cmajflt utime stime cutime cstime priority nice
	// num_threads itrealvalue starttime vsize rss ...
	if len(f) < 22 {
		return procStat{}, errors.New("short stat")
	}
	ppid, err := strconv.Atoi(string(f[1]))
	if err != nil {
		return procStat{}, err
	}
	rss, err := strconv.ParseInt(string(f[21]), 10, 64)
	if err != nil {
		return procStat{}, err
	}
	return procStat{ppid, rss}, nil
}

// treeRSS returns the summed resident memory, in bytes, of root's living
// descendants (root itself is GNU time, measuring them).
func treeRSS(root int) int64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	children := map[int][]int{}
	rss := map[int]int64{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		st, err := parseStat(b)
		if err != nil {
			continue
		}
		children[st.ppid] = append(children[st.ppid], pid)
		rss[pid] = st.rss
	}
	var total int64
	for queue := children[root]; len(queue) > 0; queue = queue[1:] {
		total += rss[queue[0]]
		queue = append(queue, children[queue[0]]...)
	}
	return total * int64(os.Getpagesize())
}

// sampleTreeRSS sums root's tree every treeRSSInterval until stop is
// closed, then sends the largest sum seen.
func sampleTreeRSS(root int, stop <-chan struct{}, peak chan<- int64) {
	var max int64
	t := time.NewTicker(treeRSSInterval)
	defer t.Stop()
	for {
		if n := treeRSS(root); n > max {
			max = n
		}
		select {
		case <-stop:
			peak <- max
			return
		case <-t.C:
		}
	}
}
