package sshtest

import (
	"testing"
)

// BenchmarkSession measures one command on an open connection: exec
// request, output, exit status, channel close. A Handler costs a fraction
// of a forked shell, which matters for fleets of thousands.
func BenchmarkSession(b *testing.B) {
	for _, bm := range []struct {
		name    string
		handler Handler
	}{
		{"handler", Output([]byte("ok\n"), nil, Exit{})},
		{"shell", nil},
	} {
		b.Run(bm.name, func(b *testing.B) {
			srv, err := NewServer(Config{Password: testPassword, Handler: bm.handler})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			client := dial(b, srv)
			b.ReportAllocs()
			for b.Loop() {
				sess, err := client.NewSession()
				if err != nil {
					b.Fatal(err)
				}
				out, err := sess.Output("echo ok")
				if err != nil || string(out) != "ok\n" {
					b.Fatalf("Output = %q, %v", out, err)
				}
				sess.Close()
			}
		})
	}
}
