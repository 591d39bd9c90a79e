package pssh_test

// Host key verification against a real OpenSSH sshd.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
	"github.com/gopssh/pssh/sshtest"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestOpenSSHHostKeyPolicies(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	other, err := sshtest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range knownHostsCases {
		for _, policy := range policies {
			t.Run(tc.name+"/"+policy.String(), func(t *testing.T) {
				content := tc.content(s.Addrs[0], s.HostKey, other.PublicKey())
				file := writeFile(t, "known_hosts", content)
				cfg := *cfg
				cfg.KnownHostsFiles = []string{file}
				cfg.HostKeyPolicy = policy
				_, err := newClient(t, s.Addrs, &cfg).Run(ctxT(t), "true", nil)
				checkPolicyOutcome(t, policy, tc, err, s.Addrs[0], file, content, s.HostKey)
			})
		}
	}
}

// TestOpenSSHAcceptNew200: 200 hosts (13 sshds on 16 loopback addresses
// each, sshd's limit) accepted at once, with hashed names, while another
// process appends to the same file under flock: every line is whole and
// valid, each host is there once with its key (ssh-keygen -F), and a
// second run appends nothing.
func TestOpenSSHAcceptNew200(t *testing.T) {
	requireCommand(t, "flock")
	requireCommand(t, "ssh-keygen")
	const n, theirs, perServer = 200, 100, 16
	var hosts []string
	var hostConfig []pssh.HostConfig // each sshd has its own client key
	hostKeys := map[string]ssh.PublicKey{}
	var cfg *pssh.Config
	var s *opensshd.Server
	for j := 0; len(hosts) < n; j++ {
		var addrs []string
		for i := 1; i <= perServer && len(hosts)+len(addrs) < n; i++ {
			addrs = append(addrs, fmt.Sprintf("127.0.%d.%d", 1+j, i))
		}
		s, cfg = openSSH(t, opensshd.Options{Addrs: addrs})
		for _, a := range s.Addrs {
			hostKeys[a] = s.HostKey
			hostConfig = append(hostConfig, pssh.HostConfig{KeyFile: s.ClientKeyFile})
		}
		hosts = append(hosts, s.Addrs...)
	}
	file := filepath.Join(t.TempDir(), "known_hosts")
	cfg.KnownHostsFiles = []string{file}
	cfg.HostKeyPolicy = pssh.HostKeyAcceptNew
	cfg.HashKnownHosts = true
	cfg.PoolSize = n
	cfg.HostConfig = hostConfig

	otherKey := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.ClientSigner.PublicKey())))
	writer := exec.Command("sh", "-c", fmt.Sprintf(`i=0; while [ $i -lt %d ]; do flock "$1" sh -c 'printf "%%s\n" "$2" >> "$1"' sh "$1" "other$i.example $2"; i=$((i+1)); done`, theirs), "sh", file, otherKey)
	var stderr bytes.Buffer
	writer.Stderr = &stderr
	if err := writer.Start(); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, hosts, cfg)
	_, runErr := c.Run(ctxT(t), "true", nil)
	if err := writer.Wait(); err != nil {
		t.Fatalf("writer: %v: %s", err, stderr.String())
	}
	if runErr != nil {
		t.Fatal(runErr)
	}
	c.Close()

	check := func() {
		t.Helper()
		var hashed, other int
		for l := range strings.Lines(string(mustRead(t, file))) {
			if _, _, _, _, _, err := ssh.ParseKnownHosts([]byte(l)); err != nil || !strings.HasSuffix(l, "\n") {
				t.Fatalf("invalid line %q: %v", l, err)
			}
			switch {
			case strings.HasPrefix(l, "|1|"):
				hashed++
			case strings.HasPrefix(l, "other"):
				other++
			default:
				t.Fatalf("unexpected line %q", l)
			}
		}
		if hashed != n || other != theirs {
			t.Fatalf("%d hashed lines for %d hosts, %d of the other writer's %d", hashed, n, other, theirs)
		}
		for _, a := range hosts {
			out, err := exec.Command("ssh-keygen", "-F", knownhosts.Normalize(a), "-f", file).Output()
			if err != nil {
				t.Fatalf("ssh-keygen -F %s: %v", a, err)
			}
			var found int
			for l := range strings.Lines(string(out)) {
				if !strings.HasPrefix(l, "#") {
					found++
					if _, _, key, _, _, err := ssh.ParseKnownHosts([]byte(l)); err != nil || !bytes.Equal(key.Marshal(), hostKeys[a].Marshal()) {
						t.Fatalf("%s recorded with another key: %s", a, l)
					}
				}
			}
			if found != 1 {
				t.Fatalf("ssh-keygen -F %s: %d lines:\n%s", a, found, out)
			}
		}
	}
	check()
	c = newClient(t, hosts, cfg)
	if _, err := c.Run(ctxT(t), "true", nil); err != nil {
		t.Fatal(err)
	}
	check()
}

// sshKeygen runs ssh-keygen with args.
func sshKeygen(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("ssh-keygen", args...).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

func readPublicKey(t testing.TB, file string) ssh.PublicKey {
	t.Helper()
	k, _, _, _, err := ssh.ParseAuthorizedKey(mustRead(t, file))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// hostKeyDir returns a directory sshd can read keys from.
func hostKeyDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestOpenSSHHostKeyNegotiation: an sshd with RSA, ECDSA and ed25519 host
// keys shows the one known_hosts has (golang/go#29286).
func TestOpenSSHHostKeyNegotiation(t *testing.T) {
	requireCommand(t, "ssh-keygen")
	dir := hostKeyDir(t)
	extra := []string{}
	for _, typ := range []string{"rsa", "ecdsa"} {
		sshKeygen(t, "-q", "-t", typ, "-N", "", "-f", filepath.Join(dir, typ))
		extra = append(extra, "HostKey "+filepath.Join(dir, typ))
	}
	s, cfg := openSSH(t, opensshd.Options{ExtraConfig: extra})
	keys := map[string]ssh.PublicKey{
		"ed25519": s.HostKey,
		"rsa":     readPublicKey(t, filepath.Join(dir, "rsa.pub")),
		"ecdsa":   readPublicKey(t, filepath.Join(dir, "ecdsa.pub")),
	}
	for typ, key := range keys {
		t.Run(typ, func(t *testing.T) {
			file := writeFile(t, "known_hosts", knownhosts.Line(s.Addrs, key)+"\n")
			if typ == "ed25519" {
				// x/crypto's own order would make sshd show another key.
				cb, _ := knownhosts.New(file)
				if c, err := ssh.Dial("tcp", s.Addrs[0], &ssh.ClientConfig{User: cfg.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(s.ClientSigner)}, HostKeyCallback: cb}); err == nil {
					c.Close()
					t.Fatal("x/crypto's default order got the ed25519 key: the test shows nothing")
				}
			}
			cfg := *cfg
			cfg.KnownHostsFiles = []string{file}
			if _, err := newClient(t, s.Addrs, &cfg).Run(ctxT(t), "true", nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestOpenSSHHostCertificate: sshd with a host certificate made by
// ssh-keygen -s -h is trusted through a @cert-authority line, and refused
// when that CA is @revoked.
func TestOpenSSHHostCertificate(t *testing.T) {
	requireCommand(t, "ssh-keygen")
	dir := hostKeyDir(t)
	ca, hostKey := filepath.Join(dir, "ca"), filepath.Join(dir, "host_ecdsa")
	sshKeygen(t, "-q", "-t", "ed25519", "-N", "", "-f", ca)
	sshKeygen(t, "-q", "-t", "ecdsa", "-N", "", "-f", hostKey)
	sshKeygen(t, "-q", "-s", ca, "-I", "test host", "-h", "-n", "127.0.0.1", hostKey+".pub")
	s, cfg := openSSH(t, opensshd.Options{ExtraConfig: []string{"HostKey " + hostKey, "HostCertificate " + hostKey + "-cert.pub"}})
	caKey := strings.TrimSpace(string(mustRead(t, ca+".pub")))
	tests := []struct {
		name    string
		known   string
		policy  pssh.HostKeyPolicy
		revoked bool
	}{
		{"CA for the host", "@cert-authority " + knownhosts.Normalize(s.Addrs[0]) + " " + caKey, pssh.HostKeyStrict, false},
		{"CA for a wildcard", "@cert-authority 127.0.0.* " + caKey, pssh.HostKeyStrict, false},
		{"revoked CA", "@cert-authority 127.0.0.* " + caKey + "\n@revoked * " + caKey, pssh.HostKeyInsecureIgnore, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := *cfg
			cfg.KnownHostsFiles = []string{writeFile(t, "known_hosts", tt.known+"\n")}
			cfg.HostKeyPolicy = tt.policy
			_, err := newClient(t, s.Addrs, &cfg).Run(ctxT(t), "true", nil)
			var hk *pssh.HostKeyError
			switch {
			case !tt.revoked && err != nil:
				t.Fatal(err)
			case tt.revoked && (!errors.As(err, &hk) || !hk.Revoked || !strings.HasPrefix(hk.KeyType, "ecdsa-sha2-nistp256-cert")):
				t.Fatalf("err %v, want a revoked *HostKeyError for the certificate", err)
			}
		})
	}
}
