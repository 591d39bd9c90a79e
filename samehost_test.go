package pssh_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
	"github.com/gopssh/pssh/sshtest"
)

// TestSameHostMerged: entries that resolve to the same user@host:port are
// one host with MergeSameHosts (run once, the others listed by
// MergedHosts); by default each runs, and the labels tell them apart, with the
// user where only the user differs.
func TestSameHostMerged(t *testing.T) {
	fleet, cfg := testFleet(t, 2, sshtest.Faults{})
	a, b := fleet.Servers[0].Addr, fleet.Servers[1].Addr
	tests := []struct {
		name       string
		hosts      []string
		allow      bool
		wantHosts  []string
		wantLabels []string
		wantMerged []string // entry=sameAs
	}{
		{"same user and address", []string{a, "tester@" + a, b}, false,
			[]string{a, b}, []string{a, b}, []string{"tester@" + a + "=" + a}},
		{"the same entry twice", []string{a, b, a}, false,
			[]string{a, b}, []string{a, b}, []string{a + "=" + a}},
		{"other users are other hosts", []string{a, "alice@" + a, "bob@" + a}, false,
			[]string{a, "alice@" + a, "bob@" + a}, []string{"tester@" + a, "alice@" + a, "bob@" + a}, nil},
		{"duplicates allowed", []string{a, "tester@" + a, a, b}, true,
			[]string{a, "tester@" + a, a, b}, []string{a, a + "#2", a + "#3", b}, nil},
		{"duplicates allowed, users differ", []string{a, "alice@" + a, a}, true,
			[]string{a, "alice@" + a, a}, []string{"tester@" + a, "alice@" + a, "tester@" + a + "#2"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := *cfg
			c.MergeSameHosts = !tt.allow
			client := newClient(t, tt.hosts, &c)
			if got := client.Hosts(); !slices.Equal(got, tt.wantHosts) {
				t.Errorf("Hosts() = %q, want %q", got, tt.wantHosts)
			}
			if got := client.HostLabels(); !slices.Equal(got, tt.wantLabels) {
				t.Errorf("HostLabels() = %q, want %q", got, tt.wantLabels)
			}
			var merged []string
			for _, m := range client.MergedHosts() {
				merged = append(merged, m.Entry+"="+m.SameAs)
				if !strings.HasPrefix(m.Target, "tester@127.0.0.1:") {
					t.Errorf("merged %s: Target %q, want tester@ADDR", m.Entry, m.Target)
				}
			}
			if !slices.Equal(merged, tt.wantMerged) {
				t.Errorf("MergedHosts() = %q, want %q", merged, tt.wantMerged)
			}
			outs, err := client.Run(ctxT(t), "echo hi", nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(outs) != len(tt.wantHosts) {
				t.Fatalf("%d outputs, want %d", len(outs), len(tt.wantHosts))
			}
			for i, o := range outs {
				if o.Label != tt.wantLabels[i] || o.Index != i || o.Host != tt.wantHosts[i] {
					t.Errorf("output %d: host %q label %q index %d, want %q %q %d", i, o.Host, o.Label, o.Index, tt.wantHosts[i], tt.wantLabels[i], i)
				}
			}
		})
	}
}

// TestSameHostOtherRoute: the same address reached another way (a proxy
// command, jump hosts) may be another machine: not merged.
func TestSameHostOtherRoute(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	a := fleet.Servers[0].Addr
	c := *cfg
	c.HostConfig = []pssh.HostConfig{{}, {ProxyCommand: "nc %h %p"}, {ProxyJump: "jump.invalid"}}
	client := newClient(t, []string{a, a, a}, &c)
	if got := client.Hosts(); len(got) != 3 || len(client.MergedHosts()) != 0 {
		t.Errorf("Hosts() = %q, merged %v: want the three routes kept", got, client.MergedHosts())
	}
	if got, want := client.HostLabels(), []string{a, a + "#2", a + "#3"}; !slices.Equal(got, want) {
		t.Errorf("HostLabels() = %q, want %q", got, want)
	}
}

// TestOpenSSHSameHost: against sshd, an entry naming the user it resolves
// to anyway is merged into the plain entry, and another address of the
// same server (127.0.0.2) is another host, under MergeSameHosts; by
// default both entries log in and run, labelled apart.
func TestOpenSSHSameHost(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})
	hosts := []string{s.Addrs[0], cfg.User + "@" + s.Addrs[0], s.Addrs[1]}
	merging := *cfg
	merging.MergeSameHosts = true
	client := newClient(t, hosts, &merging)
	if got := client.Hosts(); !slices.Equal(got, []string{s.Addrs[0], s.Addrs[1]}) {
		t.Errorf("Hosts() = %q, want the first entry merged into the plain one", got)
	}
	outs, err := client.Run(ctxT(t), "whoami", nil)
	if err != nil || len(outs) != 2 {
		t.Fatalf("%d outputs, %v", len(outs), err)
	}

	all := newClient(t, hosts, cfg)
	outs, err = all.Run(ctxT(t), "whoami", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{s.Addrs[0], s.Addrs[0] + "#2", s.Addrs[1]}
	for i, o := range outs {
		if got := strings.TrimSpace(joinLines(o.Stdout)); o.Label != want[i] || got != cfg.User {
			t.Errorf("host %d: label %q whoami %q, want %q %q", i, o.Label, got, want[i], cfg.User)
		}
	}
}
