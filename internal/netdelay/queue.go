package netdelay

import (
	"math"
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

	timer *time.Timer // the popper's (see await)
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
			// Chunks fall due in the order they are queued: a popper
			// waiting for the head needs no word of those behind it.
			wake := len(q.chunks) == 0
			q.chunks = append(q.chunks, chunk{data: append([]byte(nil), p...), err: err, due: end.Add(q.link.Delay)})
			q.queued += len(p)
			q.mu.Unlock()
			if wake {
				signal(q.pushed)
			}
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

// pop copies into p the bytes due at the head of the queue (as many due
// chunks as fit), waiting until there are some, until stop is closed
// (errStop) or until the queue is closed (errClosed). It returns the
// stream's error once every byte before it is taken.
func (q *queue) pop(p []byte, stop <-chan struct{}, errStop, errClosed error) (int, error) {
	for {
		n, err, wait := q.popDue(p, errClosed)
		if n > 0 || err != nil {
			return n, err
		}
		if !q.await(wait, stop) {
			return 0, errStop
		}
	}
}

// popDue copies into p what is due now, or reports the stream's end or
// the queue's closing (errClosed); with nothing due it returns how long
// until the head is (0: the queue is empty).
func (q *queue) popDue(p []byte, errClosed error) (int, error, time.Duration) {
	return q.due(len(p), errClosed, func(data []byte, off int) int { return copy(p[off:], data) })
}

// take is pop without the copy: it hands over the chunks due, waiting as
// pop does.
func (q *queue) take(stop <-chan struct{}, errStop, errClosed error) ([][]byte, error) {
	for {
		var bufs [][]byte
		_, err, wait := q.due(math.MaxInt, errClosed, func(data []byte, _ int) int {
			if len(data) > 0 {
				bufs = append(bufs, data)
			}
			return len(data)
		})
		if len(bufs) > 0 || err != nil {
			return bufs, err
		}
		if !q.await(wait, stop) {
			return nil, errStop
		}
	}
}

// due gives use the data of the chunks due now, in order, until room
// bytes are taken: use takes what it can of a chunk's data (off bytes
// taken before it) and says how much. It returns the bytes taken, or the
// stream's end once every byte before it is taken, or errClosed; with
// nothing due, how long until the head is (0: the queue is empty).
func (q *queue) due(room int, errClosed error, use func(data []byte, off int) int) (int, error, time.Duration) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return 0, errClosed, 0
	}
	now := time.Now()
	n := 0
	for len(q.chunks) > 0 && n < room {
		c := &q.chunks[0]
		if d := c.due.Sub(now); d > 0 {
			if n == 0 {
				q.mu.Unlock()
				return 0, nil, d
			}
			break
		}
		if len(c.data) == 0 && c.err != nil {
			if n > 0 {
				break // the bytes first; the end at the next call
			}
			err := c.err
			q.mu.Unlock()
			return 0, err, 0
		}
		m := use(c.data, n)
		c.data = c.data[m:]
		n += m
		if len(c.data) == 0 && c.err == nil {
			q.chunks[0] = chunk{}
			q.chunks = q.chunks[1:]
		}
	}
	q.queued -= n
	q.mu.Unlock()
	if n > 0 {
		signal(q.popped)
	}
	return n, nil, 0
}

// await waits for the head of the queue to fall due in wait (0: for a
// push), for the queue to close or for stop; it reports false on stop.
// One popper at a time: it reuses the queue's timer.
func (q *queue) await(wait time.Duration, stop <-chan struct{}) bool {
	var due <-chan time.Time
	if wait > 0 {
		if q.timer == nil {
			q.timer = time.NewTimer(wait)
		} else {
			q.timer.Reset(wait)
		}
		due = q.timer.C
	}
	select {
	case <-due:
	case <-q.pushed:
	case <-q.done:
	case <-stop:
		return false
	}
	return true
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
