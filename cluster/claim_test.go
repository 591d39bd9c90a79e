package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A claim tried again after its reply was lost finds its own value and is
// ours; another attempt's (even the same worker's) is not.
func TestClaimFindsItsOwn(t *testing.T) {
	l, err := StartLocal(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	nc, err := Connect(l.URL, l.ConnectOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := openBus(ctx, js, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	first, again := claimValue("w1"), claimValue("w1")
	for _, tc := range []struct {
		name, value string
		ours        bool
		holder      string
	}{
		{"new", first, true, "w1"},
		{"the same claim again (its reply lost)", first, true, "w1"},
		{"another attempt of the same worker", again, false, "w1"},
		{"the submitter giving up", "abandoned", false, "w1"},
	} {
		ours, holder, err := claim(ctx, b.claimsKV, "run.0", tc.value)
		if err != nil || ours != tc.ours || holderName(holder) != tc.holder || holder != first {
			t.Errorf("%s: ours %v, holder %q, %v; want %v, %q", tc.name, ours, holder, err, tc.ours, first)
		}
	}
}
