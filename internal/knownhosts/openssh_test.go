package knownhosts

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/opensshd"
)

// TestOpenSSHLookup is a differential test: for each known_hosts file and
// host, what Check says of the server's key (ok, unknown, changed or
// revoked) is what ssh(1) says, connecting to a real sshd with
// StrictHostKeyChecking yes. Names other than the server's address are
// looked up through HostKeyAlias, which ssh looks up as is.
func TestOpenSSHLookup(t *testing.T) {
	requireTool(t, "ssh")
	t.Parallel()
	s := opensshd.StartT(t, opensshd.Options{})
	host, port, err := net.SplitHostPort(s.Addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	key := s.HostKey
	other := ed25519Key(t)
	rsa := newKey(t, ssh.KeyAlgoRSA).PublicKey()
	k := func(name string) string { return name + " " + authorized(key) }
	o := func(name string) string { return name + " " + authorized(other) }
	hashed := func(name string) string {
		return hashName(name, []byte("0123456789abcdef0123")) + " " + authorized(key)
	}
	hp := "[" + host + "]:" + port
	tests := []struct {
		name  string
		lines []string
		alias string // HostKeyAlias; "" to look up the address
		want  string
	}{
		{"plain", []string{k("web1.example.com")}, "web1.example.com", "ok"},
		{"case of the line", []string{k("WEB1.Example.COM")}, "web1.example.com", "ok"},
		{"case of the alias", []string{k("web1.example.com")}, "Web1.Example.com", "ok"},
		{"other host", []string{k("web2.example.com")}, "web1.example.com", "unknown"},
		{"list", []string{k("web2.example.com,web1.example.com")}, "web1.example.com", "ok"},
		{"star", []string{k("*.example.com")}, "web1.example.com", "ok"},
		{"question mark", []string{k("web?.example.com")}, "web1.example.com", "ok"},
		{"two question marks", []string{k("web??.example.com")}, "web1.example.com", "unknown"},
		{"negated after", []string{k("*.example.com,!web1.example.com")}, "web1.example.com", "unknown"},
		{"negated before", []string{k("!web1.example.com,*.example.com")}, "web1.example.com", "unknown"},
		{"negated other", []string{k("!web2.example.com,*.example.com")}, "web1.example.com", "ok"},
		{"only negated", []string{k("!web2.example.com")}, "web1.example.com", "unknown"},
		{"negated wildcard", []string{k("web1.example.com,!*.example.com")}, "web1.example.com", "unknown"},
		{"changed", []string{o("web1.example.com")}, "web1.example.com", "changed"},
		{"changed by a wildcard", []string{o("*.example.com")}, "web1.example.com", "changed"},
		{"other type", []string{"web1.example.com " + authorized(rsa)}, "web1.example.com", "changed"},
		{"one of two keys", []string{o("web1.example.com"), k("web1.example.com")}, "web1.example.com", "ok"},
		{"hashed", []string{hashed("web1.example.com")}, "web1.example.com", "ok"},
		{"hashed other host", []string{hashed("web2.example.com")}, "web1.example.com", "unknown"},
		{"revoked", []string{"@revoked web1.example.com " + authorized(key), k("web1.example.com")}, "web1.example.com", "revoked"},
		{"revoked everywhere", []string{"@revoked * " + authorized(key)}, "web1.example.com", "revoked"},
		{"revoked for another host", []string{"@revoked web2.example.com " + authorized(key), k("web1.example.com")}, "web1.example.com", "ok"},
		{"authority only", []string{"@cert-authority web1.example.com " + authorized(other)}, "web1.example.com", "unknown"},
		{"bad lines skipped", []string{"garbage", "web1.example.com ssh-ed25519 !!!", "@bogus web1.example.com " + authorized(key),
			"web1.example.com ssh-rsa " + strings.Fields(authorized(key))[1], "|1|x|y " + authorized(key), k("web1.example.com")}, "web1.example.com", "ok"},
		{"bad line for the host skipped", []string{"web1.example.com ssh-ed25519 AAAA", k("web1.example.com")}, "web1.example.com", "ok"},
		{"comment and blank", []string{"# web1.example.com " + authorized(other), "", k("web1.example.com") + " a comment"}, "web1.example.com", "ok"},
		{"alias with a port", []string{k("[web1]:" + port)}, "web1", "unknown"},
		{"alias: no lookup without it", []string{k(host)}, "web1", "unknown"},

		{"address with port", []string{k(hp)}, "", "ok"},
		{"address without port", []string{k(host)}, "", "ok"},
		{"address without port, other key", []string{o(host)}, "", "unknown"},
		{"address with port, other key", []string{o(hp)}, "", "changed"},
		{"star, other key", []string{o("*")}, "", "changed"},
		{"wildcard without port", []string{k("127.0.0.*")}, "", "ok"},
		{"wildcard without port, other key", []string{o("127.0.0.*")}, "", "unknown"},
		{"wildcard port", []string{k("[" + host + "]:*")}, "", "ok"},
		{"wildcard port, other key", []string{o("[" + host + "]:*")}, "", "changed"},
		{"negated with port", []string{k(hp + ",!" + hp)}, "", "unknown"},
		{"negated with port, plain name", []string{k(host + ",!" + hp)}, "", "ok"},
		{"negated without port", []string{k(hp + ",!" + host)}, "", "ok"},
		{"hashed with port", []string{hashed(hp)}, "", "ok"},
		{"hashed without port", []string{hashed(host)}, "", "ok"},
		{"revoked without port", []string{"@revoked " + host + " " + authorized(key), k(hp)}, "", "ok"},
		{"other type with port", []string{hp + " " + authorized(rsa)}, "", "changed"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(dir, strings.NewReplacer(" ", "_", ",", "", ":", "").Replace(tt.name))
			if err := os.WriteFile(file, []byte(strings.Join(tt.lines, "\n")+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			got := verdict(open(t, Options{Files: []string{file}}).Check(Target{Addr: s.Addrs[0], Alias: tt.alias}, key))
			oracle := sshVerdict(t, host, port, file, tt.alias)
			if oracle != tt.want {
				t.Errorf("ssh says %s, the test wants %s", oracle, tt.want)
			}
			if got != oracle {
				t.Errorf("pssh says %s, ssh says %s", got, oracle)
			}
		})
	}
}

func authorized(k ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}

// verdict names Check's outcome.
func verdict(err error) string {
	var ke *KeyError
	switch {
	case err == nil:
		return "ok"
	case !errors.As(err, &ke):
		return "error: " + err.Error()
	case ke.Revoked:
		return "revoked"
	case ke.Unknown:
		return "unknown"
	case len(ke.Known) > 0:
		return "changed"
	}
	return "error: " + err.Error()
}

// sshVerdict connects with ssh(1), offering no credential, and says what
// it made of the host key: authentication is refused only once the key is
// accepted.
func sshVerdict(t *testing.T, host, port, file, alias string) string {
	t.Helper()
	args := []string{"-F", "/dev/null", "-o", "UserKnownHostsFile=" + file, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "CheckHostIP=no", "-o", "UpdateHostKeys=no",
		"-o", "PreferredAuthentications=none", "-o", "ConnectTimeout=20", "-p", port}
	if alias != "" {
		args = append(args, "-o", "HostKeyAlias="+alias)
	}
	out, _ := exec.Command("ssh", append(args, host, "true")...).CombinedOutput()
	text := string(out)
	switch {
	case strings.Contains(text, "REVOKED HOST KEY"):
		return "revoked"
	case strings.Contains(text, "REMOTE HOST IDENTIFICATION HAS CHANGED"):
		return "changed"
	case strings.Contains(text, "Permission denied"):
		return "ok"
	case strings.Contains(text, "host key is known for"):
		return "unknown"
	}
	t.Fatalf("ssh said: %s", text)
	return ""
}
