package pssh

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/gopssh/pssh/internal/opensshd"
)

// TestKnownHostName: a host whose resolution gives it a known_hosts name
// (ssh_config's HostKeyAlias) is looked up under that name only, as ssh
// does, and recorded under it by accept-new.
func TestKnownHostName(t *testing.T) {
	s := opensshd.StartT(t, opensshd.Options{})
	aliasLine := knownhosts.Line([]string{"web-alias"}, s.HostKey) + "\n"
	addrLine := knownhosts.Line([]string{s.Addrs[0]}, s.HostKey) + "\n"
	tests := []struct {
		name    string
		content string
		alias   string
		policy  HostKeyPolicy
		want    string // "ok", "unknown"
		appends string
	}{
		{"alias known", aliasLine, "web-alias", HostKeyStrict, "ok", ""},
		{"alias in other case", aliasLine, "Web-Alias", HostKeyStrict, "ok", ""},
		{"only the address known", addrLine, "web-alias", HostKeyStrict, "unknown", ""},
		{"no alias", aliasLine, "", HostKeyStrict, "unknown", ""},
		{"alias recorded", "", "web-alias", HostKeyAcceptNew, "ok", aliasLine},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "known_hosts")
			if err := os.WriteFile(file, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := New(s.Addrs, &Config{IgnoreSSHConfig: true, User: s.User, KeyFile: s.ClientKeyFile, NoAgent: true,
				KnownHostsFiles: []string{file}, HostKeyPolicy: tt.policy})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.hosts[0].hostKeyAlias = tt.alias
			_, err = c.Run(t.Context(), "true", nil)
			var hk *HostKeyError
			switch {
			case tt.want == "ok" && err != nil:
				t.Fatal(err)
			case tt.want == "unknown" && (!errors.As(err, &hk) || !hk.Unknown):
				t.Fatalf("%v, want an unknown host key", err)
			}
			after, _ := os.ReadFile(file)
			if got := strings.TrimPrefix(string(after), tt.content); got != tt.appends {
				t.Errorf("appended %q, want %q", got, tt.appends)
			}
		})
	}
}
