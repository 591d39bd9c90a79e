package netdelay

import (
	"sync"
	"time"
)

// maxQueued is how many bytes one direction of a link holds in flight
// before a writer waits: enough for a fast transfer over a slow link, and
// a bound on memory, as a TCP window is. One chunk larger than this is
// still taken when nothing else is queued.
const maxQueued = 4 << 20

// chunk is what one write put on the link: its bytes (or the error that
// ended the stream, after them) and when they reach the other end.
type chunk struct {
	data []byte
	err  error
	due  time.Time
}

// queue is one direction of a link: chunks in order, each released when
// its time has come.
type queue struct {
	link Link

	mu      sync.Mutex
	chunks  []chunk
	queued  int       // bytes in chunks
	lineEnd time.Time // when the last chunk finished going onto the wire (Bandwidth)
	closed  bool      // no more chunks will be taken or released
	pushed  chan struct{}
	popped  chan struct{}
	done    chan struct{} // closed by close
}

func newQueue(l Link) *queue {
	return &queue{
		link:   l,
		pushed: make(chan struct{}, 1),
		popped: make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
}

// signal wakes one waiter of c without blocking.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// push queues a copy of p, or the end of the stream (err != nil, p
// empty), to be released after the link's delay (and, with a bandwidth,
// after the bytes before it). It waits while the queue is full, until
// stop is closed, and reports false if the queue was closed or stopped.
func (q *queue) push(p []byte, err error, stop <-chan struct{}) bool {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return false
		}
		if q.queued == 0 || q.queued+len(p) <= maxQueued || err != nil {
			now := time.Now()
			start := now
			if start.Before(q.lineEnd) {
				start = q.lineEnd
			}
			end := start
			if q.link.Bandwidth > 0 && len(p) > 0 {
				end = start.Add(time.Duration(float64(len(p)) / float64(q.link.Bandwidth) * float64(time.Second)))
			}
			q.lineEnd = end
			q.chunks = append(q.chunks, chunk{data: append([]byte(nil), p...), err: err, due: end.Add(q.link.Delay)})
			q.queued += len(p)
			q.mu.Unlock()
			signal(q.pushed)
			return true
		}
		q.mu.Unlock()
		select {
		case <-q.popped:
		case <-q.done:
		case <-stop:
			return false
		}
	}
}

// pop copies into p the bytes due at the head of the queue, waiting until
// there are some, until stop is closed (errStop) or until the queue is
// closed (errClosed). It returns the stream's error once every byte before
// it is taken.
func (q *queue) pop(p []byte, stop <-chan struct{}, errStop, errClosed error) (int, error) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return 0, errClosed
		}
		var wait <-chan time.Time
		if len(q.chunks) > 0 {
			c := &q.chunks[0]
			d := time.Until(c.due)
			if d <= 0 {
				if len(c.data) == 0 && c.err != nil {
					err := c.err
					q.mu.Unlock()
					return 0, err
				}
				n := copy(p, c.data)
				c.data = c.data[n:]
				q.queued -= n
				if len(c.data) == 0 && c.err == nil {
					q.chunks[0] = chunk{}
					q.chunks = q.chunks[1:]
				}
				q.mu.Unlock()
				signal(q.popped)
				return n, nil
			}
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d)
			}
			wait = timer.C
		}
		q.mu.Unlock()
		select {
		case <-wait:
		case <-q.pushed:
		case <-q.done:
		case <-stop:
			return 0, errStop
		}
	}
}

// close releases every waiter and drops what is still in flight.
func (q *queue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		q.chunks = nil
		q.queued = 0
		close(q.done)
	}
}
