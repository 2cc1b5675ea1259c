package app

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"mediagraph/metrics"
)

// lingering closes a connection the way nginx's lingering_close does.
//
// A request refused before its body was read whole (a missing token, a
// missing CSRF header, a Content-Length over the limit, a bad map, too many
// files) is answered at once, with Connection: close, while the client is
// still sending. Closing a socket that has unread data makes the kernel
// answer the client's next bytes with a reset, and a client that is still
// writing (Node's fetch, undici) reports the reset — ECONNRESET, EPIPE —
// instead of the answer already in its receive buffer. So when such a
// connection is closed, it is half-closed first (FIN: the answer is
// complete) and then read, discarding every byte unparsed, until the client
// has sent everything and closes its side, stalls for longer than the idle
// bound, or the total bound passes; only then is the socket closed.
//
// net/http leaves this to the listener: its own wait after a half-close is
// a fixed 500 ms sleep without reading, which a client sending a few MB
// outlasts. Three hooks do it here: Listener wraps the accepted
// connections, Handler marks a connection whose request body the handler
// left unread, and the http.Server's ConnState clears the mark when the
// server keeps the connection for another request (it drained the rest
// itself). A shutdown stops every lingering at once: the answers were sent
// before it began.
type lingering struct {
	total   time.Duration // lingering_time: the longest a connection lingers
	idle    time.Duration // lingering_timeout: the longest the client may send nothing
	metrics *metrics.Metrics

	stopped context.Context // done once the server shuts down
	stop    context.CancelFunc
	buffers sync.Pool
}

func newLingering(total, idle time.Duration, m *metrics.Metrics) *lingering {
	ctx, cancel := context.WithCancel(context.Background())
	return &lingering{
		total: total, idle: idle, metrics: m, stopped: ctx, stop: cancel,
		buffers: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }},
	}
}

// configure installs the connection hooks on hs; hs must serve a listener
// wrapped by Listener and a handler wrapped by Handler.
func (l *lingering) configure(hs *http.Server) {
	hs.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if lc, ok := c.(*lingerConn); ok {
			return context.WithValue(ctx, lingerConnKey{}, lc)
		}
		return ctx
	}
	hs.ConnState = func(c net.Conn, state http.ConnState) {
		if lc, ok := c.(*lingerConn); ok && state == http.StateIdle {
			lc.unread.Store(false)
		}
	}
	hs.RegisterOnShutdown(l.stop)
}

// Listener wraps ln so that its connections can linger when closed.
func (l *lingering) Listener(ln net.Listener) net.Listener {
	return lingerListener{Listener: ln, l: l}
}

// Handler marks the connection of a request whose body next left unread,
// so that closing it lingers. Requests without a body pass untouched.
func (l *lingering) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lc, _ := r.Context().Value(lingerConnKey{}).(*lingerConn)
		if lc == nil || r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		body := &eofBody{ReadCloser: r.Body}
		r.Body = body
		next.ServeHTTP(w, r)
		lc.unread.Store(!body.eof.Load())
	})
}

type lingerConnKey struct{}

type lingerListener struct {
	net.Listener
	l *lingering
}

func (ll lingerListener) Accept() (net.Conn, error) {
	c, err := ll.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &lingerConn{Conn: c, l: ll.l}, nil
}

// lingerConn is an accepted connection that lingers when closed after a
// request whose body was left unread.
type lingerConn struct {
	net.Conn
	l       *lingering
	unread  atomic.Bool // the last request's body was not read to its end
	closing atomic.Bool
}

// Close lingers first when the last request's body was left unread. A
// second Close (the server closing every connection) closes at once, which
// also ends a lingering in progress.
func (c *lingerConn) Close() error {
	if !c.unread.Load() || !c.closing.CompareAndSwap(false, true) {
		return c.Conn.Close()
	}
	c.linger()
	return c.Conn.Close()
}

// linger half-closes the connection and reads what the client still sends
// until it closes its side, a bound passes, or the server shuts down.
func (c *lingerConn) linger() {
	l := c.l
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite() // again if net/http did already: harmless
	}
	end := time.Now().Add(l.total)
	stopped := context.AfterFunc(l.stopped, func() { c.Conn.SetReadDeadline(time.Now()) })
	defer stopped()
	bufp := l.buffers.Get().(*[]byte)
	defer l.buffers.Put(bufp)
	var discarded int64
	outcome := "eof"
	for {
		deadline := time.Now().Add(l.idle)
		if deadline.After(end) {
			deadline = end
		}
		c.Conn.SetReadDeadline(deadline)
		if l.stopped.Err() != nil {
			outcome = "shutdown"
			break
		}
		n, err := c.Conn.Read(*bufp)
		discarded += int64(n)
		if err == nil {
			continue
		}
		switch {
		case errors.Is(err, io.EOF):
			outcome = "eof"
		case l.stopped.Err() != nil:
			outcome = "shutdown"
		case errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(end):
			outcome = "time"
		case errors.Is(err, os.ErrDeadlineExceeded):
			outcome = "idle"
		default:
			outcome = "reset"
		}
		break
	}
	l.metrics.ObserveLinger(outcome, discarded)
}

// eofBody records whether a request body was read to its end.
type eofBody struct {
	io.ReadCloser
	eof atomic.Bool // read from a staging goroutine too
}

func (b *eofBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof.Store(true)
	}
	return n, err
}
