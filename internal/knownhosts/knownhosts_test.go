package knownhosts

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/gopssh/pssh/internal/keygen"
)

func newKey(t testing.TB, typ string) ssh.Signer {
	t.Helper()
	signer, _, err := keygen.Signer(typ)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

func ed25519Key(t testing.TB) ssh.PublicKey { return newKey(t, ssh.KeyAlgoED25519).PublicKey() }

func writeFile(t testing.TB, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func line(host string, k ssh.PublicKey) string { return xknownhosts.Line([]string{host}, k) }

func open(t testing.TB, opts Options) *DB {
	t.Helper()
	db, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func requireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing; .ci/run installs it", name)
		}
		t.Skipf("%s is not installed", name)
	}
}

// keygenFinds asks ssh-keygen -F whether file knows host.
func keygenFinds(t testing.TB, host, file string) bool {
	t.Helper()
	out, err := exec.Command("ssh-keygen", "-F", host, "-f", file).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return false
	}
	if err != nil {
		t.Fatalf("ssh-keygen -F %s: %v: %s", host, err, out)
	}
	return true
}

// fileLines returns the non-empty lines of file, failing on any that does
// not parse as a known_hosts line.
func fileLines(t testing.TB, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Errorf("%s does not end in a newline", file)
	}
	var out []string
	for l := range strings.Lines(string(data)) {
		l = strings.TrimSuffix(l, "\n")
		if l == "" {
			t.Errorf("%s has an empty line", file)
			continue
		}
		if _, _, _, _, _, err := ssh.ParseKnownHosts([]byte(l)); err != nil {
			t.Errorf("%s: invalid line %q: %v", file, l, err)
		}
		out = append(out, l)
	}
	return out
}

func TestReadPlainHashedAndPorts(t *testing.T) {
	requireTool(t, "ssh-keygen")
	k1, k2, k3, k4, k5 := ed25519Key(t), ed25519Key(t), ed25519Key(t), ed25519Key(t), ed25519Key(t)
	content := strings.Join([]string{
		"# a comment",
		line("plain.example", k1),
		line("[ported.example]:2222", k2),
		xknownhosts.HashHostname("hashed.example") + " " + k3.Type() + " " + base64Key(k3),
		xknownhosts.HashHostname("[hashed.example]:2200") + " " + k4.Type() + " " + base64Key(k4),
		"*.wild.example " + k5.Type() + " " + base64Key(k5),
		"",
	}, "\n")
	plain := writeFile(t, content)
	// The same file hashed by ssh-keygen -H must read the same (bar the
	// wildcard, which ssh-keygen leaves alone).
	hashed := writeFile(t, content)
	if out, err := exec.Command("ssh-keygen", "-H", "-f", hashed).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen -H: %v: %s", err, out)
	}
	if strings.Contains(string(must(os.ReadFile(hashed))), "plain.example") {
		t.Fatal("ssh-keygen -H did not hash the file")
	}
	tests := []struct {
		addr string // as dialled
		key  ssh.PublicKey
		want string // "ok", "unknown" or "changed"
	}{
		{"plain.example:22", k1, "ok"},
		{"plain.example:22", k2, "changed"},
		{"plain.example:2222", k1, "ok"},      // as ssh: the key known without the port
		{"plain.example:2222", k2, "unknown"}, // ...but another port is not the same host
		{"ported.example:2222", k2, "ok"},
		{"ported.example:22", k2, "unknown"},
		{"ported.example:2222", k1, "changed"},
		{"hashed.example:22", k3, "ok"},
		{"hashed.example:22", k4, "changed"},
		{"hashed.example:2200", k4, "ok"},
		{"hashed.example:2201", k4, "unknown"},
		{"a.wild.example:22", k5, "ok"},
		{"a.wild.example:2222", k5, "ok"},      // "[a.wild.example]:2222" does not match, "a.wild.example" does
		{"a.wild.example:2222", k1, "unknown"}, // so a key known without the port, not a changed one
		{"other.example:22", k1, "unknown"},
	}
	for _, file := range []string{plain, hashed} {
		db := open(t, Options{Files: []string{file}})
		for _, tt := range tests {
			err := db.Check(Target{Addr: tt.addr}, tt.key)
			var ke *KeyError
			got := "ok"
			if err != nil {
				if !errors.As(err, &ke) {
					t.Fatalf("%s: %v is not a *KeyError", tt.addr, err)
				}
				got = "changed"
				if ke.Unknown {
					got = "unknown"
				}
			}
			if got != tt.want {
				t.Errorf("%s %s: %s, want %s (%v)", filepath.Base(file), tt.addr, got, tt.want, err)
			}
			// ssh-keygen -F finds the host exactly when we know it (with
			// this key or another one); it does not apply wildcards, nor
			// look a host:port up without its port.
			host := xknownhosts.Normalize(tt.addr)
			if !strings.Contains(host, "wild") && !(tt.addr == "plain.example:2222" && got == "ok") {
				if found := keygenFinds(t, host, file); found != (got != "unknown") {
					t.Errorf("%s: ssh-keygen -F %s found=%v, we say %s", filepath.Base(file), host, found, got)
				}
			}
			if got == "changed" && (len(ke.Known) == 0 || ke.Known[0].File != file || ke.Known[0].Text == "") {
				t.Errorf("%s: changed key without the disagreeing line: %+v", tt.addr, ke.Known)
			}
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestPolicies(t *testing.T) {
	known, other := ed25519Key(t), ed25519Key(t)
	const addr = "127.0.0.1:2222"
	knownLine := line(addr, known)
	tests := []struct {
		policy  Policy
		content string
		key     ssh.PublicKey
		wantErr string // "", "unknown", "changed" or "revoked"
		appends bool
	}{
		{Strict, "", known, "unknown", false},
		{AcceptNew, "", known, "", true},
		{Insecure, "", known, "", false},
		{Strict, knownLine + "\n", other, "changed", false},
		{AcceptNew, knownLine + "\n", other, "changed", false},
		{Insecure, knownLine + "\n", other, "changed", false},
		{Strict, knownLine + "\n", known, "", false},
		{Strict, "@revoked * " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(known))) + "\n" + knownLine + "\n", known, "revoked", false},
		{AcceptNew, "@revoked * " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(known))) + "\n", known, "revoked", false},
		{Insecure, "@revoked * " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(known))) + "\n", known, "revoked", false},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			file := writeFile(t, tt.content)
			db := open(t, Options{Files: []string{file}, Policy: tt.policy})
			err := db.Check(Target{Addr: addr}, tt.key)
			var ke *KeyError
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("policy %d: %v", tt.policy, err)
				}
			} else if !errors.As(err, &ke) {
				t.Fatalf("policy %d: err %v, want a %s *KeyError", tt.policy, err, tt.wantErr)
			} else {
				switch tt.wantErr {
				case "unknown":
					if !ke.Unknown {
						t.Errorf("not Unknown: %v", err)
					}
				case "changed":
					if ke.Unknown || ke.Revoked || len(ke.Known) != 1 || ke.Known[0].Text != knownLine || ke.Known[0].Line != 1 {
						t.Errorf("changed: %+v", ke)
					}
				case "revoked":
					if !ke.Revoked || len(ke.Known) != 1 || !strings.HasPrefix(ke.Known[0].Text, "@revoked") {
						t.Errorf("revoked: %+v", ke)
					}
				}
				if !strings.Contains(err.Error(), ssh.FingerprintSHA256(tt.key)) {
					t.Errorf("error %q lacks the fingerprint", err)
				}
			}
			grew := string(must(os.ReadFile(file))) != tt.content
			if grew != tt.appends {
				t.Errorf("file appended to: %v, want %v", grew, tt.appends)
			}
		})
	}
}

func TestAcceptNewWritesAndRemembers(t *testing.T) {
	requireTool(t, "ssh-keygen")
	for _, hash := range []bool{false, true} {
		t.Run(fmt.Sprint("hash=", hash), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "dotssh")
			file := filepath.Join(dir, "known_hosts")
			db := open(t, Options{Files: []string{file}, Policy: AcceptNew, Hash: hash})
			key, other := ed25519Key(t), ed25519Key(t)
			for _, addr := range []string{"127.0.0.1:2222", "host.example:22", "[::1]:2022"} {
				if err := db.Check(Target{Addr: addr}, key); err != nil {
					t.Fatal(err)
				}
				// Accepted once, known from then on, in this run...
				if err := db.Check(Target{Addr: addr}, key); err != nil {
					t.Fatal(err)
				}
				// ...and a different key is a changed key, naming the new line.
				var ke *KeyError
				if err := db.Check(Target{Addr: addr}, other); !errors.As(err, &ke) || ke.Unknown || len(ke.Known) != 1 {
					t.Fatalf("other key for %s after accepting: %v", addr, err)
				}
				if !keygenFinds(t, xknownhosts.Normalize(addr), file) {
					t.Errorf("ssh-keygen -F does not find %s", addr)
				}
			}
			lines := fileLines(t, file)
			if len(lines) != 3 {
				t.Fatalf("%d lines: %q", len(lines), lines)
			}
			for _, l := range lines {
				if strings.HasPrefix(l, "|1|") != hash {
					t.Errorf("line %q: hashed=%v wanted", l, hash)
				}
			}
			if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("file mode: %v %v", fi.Mode(), err)
			}
			if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("dir mode: %v %v", fi.Mode(), err)
			}
			// A new DB on the file knows the hosts and appends nothing.
			db2 := open(t, Options{Files: []string{file}, Policy: AcceptNew, Hash: hash})
			if err := db2.Check(Target{Addr: "host.example:22"}, key); err != nil {
				t.Fatal(err)
			}
			if got := fileLines(t, file); len(got) != 3 {
				t.Errorf("second DB appended: %q", got)
			}
			algos := db2.HostKeyAlgorithms(Target{Addr: "127.0.0.1:2222"}, nil)
			if algos[0] != ssh.KeyAlgoED25519 {
				t.Errorf("algorithms for a known ed25519 host: %v", algos)
			}
		})
	}
}

func TestAppendCompletesLastLine(t *testing.T) {
	k1, k2 := ed25519Key(t), ed25519Key(t)
	file := writeFile(t, line("a.example", k1)) // no final newline
	db := open(t, Options{Files: []string{file}, Policy: AcceptNew})
	if err := db.Check(Target{Addr: "b.example:22"}, k2); err != nil {
		t.Fatal(err)
	}
	if got := fileLines(t, file); len(got) != 2 {
		t.Fatalf("lines %q", got)
	}
	var ke *KeyError
	if err := db.Check(Target{Addr: "b.example:22"}, k1); !errors.As(err, &ke) || ke.Known[0].Line != 2 {
		t.Fatalf("%v", err)
	}
}

// TestMissingFiles: a missing file is empty, as OpenSSH reads it, named
// or not, under every policy; accept-new creates it on the first append.
func TestMissingFiles(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	db := open(t, Options{Files: []string{missing}})
	if err := db.Check(Target{Addr: "a:22"}, ed25519Key(t)); !isUnknown(err) {
		t.Errorf("no file: %v", err)
	}
	if err := open(t, Options{Files: []string{missing}, Policy: Insecure}).Check(Target{Addr: "a:22"}, ed25519Key(t)); err != nil {
		t.Errorf("no file, insecure: %v", err)
	}
	db = open(t, Options{Files: []string{missing}, Policy: AcceptNew}) // created on first append
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Error("Open created the file before any append")
	}
	key := ed25519Key(t)
	if err := db.Check(Target{Addr: "a:22"}, key); err != nil {
		t.Fatal(err)
	}
	if lines := fileLines(t, missing); len(lines) != 1 || lines[0] != line("a", key) {
		t.Errorf("recorded %q", lines)
	}
}

// TestConcurrentAppends: 200 hosts accepted at once by each of two DBs on
// one file (two Clients, or two processes) leave one line per host.
func TestConcurrentAppends(t *testing.T) {
	const n = 200
	file := filepath.Join(t.TempDir(), "known_hosts")
	key := ed25519Key(t)
	dbs := []*DB{
		open(t, Options{Files: []string{file}, Policy: AcceptNew}),
		open(t, Options{Files: []string{file}, Policy: AcceptNew, Hash: true}),
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for _, db := range dbs {
		for i := range n {
			wg.Go(func() {
				errs <- db.Check(Target{Addr: fmt.Sprintf("127.0.%d.%d:2222", i/250, i%250+1)}, key)
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	lines := fileLines(t, file)
	if len(lines) != n {
		t.Fatalf("%d lines for %d hosts", len(lines), n)
	}
	// Every host once: a fresh DB knows each, and a second round appends nothing.
	db := open(t, Options{Files: []string{file}, Policy: AcceptNew})
	for i := range n {
		if err := db.Check(Target{Addr: fmt.Sprintf("127.0.%d.%d:2222", i/250, i%250+1)}, key); err != nil {
			t.Fatal(err)
		}
	}
	if again := fileLines(t, file); len(again) != n {
		t.Fatalf("second round appended: %d lines", len(again))
	}
}

// TestOtherProcessWriting: a flock(1) writer appending at the same time
// loses no line and none is interleaved.
func TestOtherProcessWriting(t *testing.T) {
	requireTool(t, "flock")
	const n, m = 200, 200
	file := writeFile(t, "")
	key, theirs := ed25519Key(t), ed25519Key(t)
	db := open(t, Options{Files: []string{file}, Policy: AcceptNew})
	script := fmt.Sprintf(`i=0; while [ $i -lt %d ]; do flock "$1" sh -c 'printf "%%s\n" "$2" >> "$1"' sh "$1" "other$i.example $2"; i=$((i+1)); done`, m)
	cmd := exec.Command("sh", "-c", script, "sh", file, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(theirs))))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = db.Check(Target{Addr: fmt.Sprintf("ours%d.example:22", i)}, key) })
	}
	wg.Wait()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("writer: %v: %s", err, stderr.String())
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	lines := fileLines(t, file)
	var ours, other int
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "ours"):
			ours++
		case strings.HasPrefix(l, "other"):
			other++
		}
	}
	if ours != n || other != m || len(lines) != n+m {
		t.Fatalf("%d of our lines, %d of theirs, %d in all", ours, other, len(lines))
	}
}

// TestNotDuplicatedAfterOtherWriter: a host another process added while the
// DB waited for the lock (or since the DB read the file) is not added again.
func TestNotDuplicatedAfterOtherWriter(t *testing.T) {
	requireTool(t, "flock")
	file := writeFile(t, "")
	key := ed25519Key(t)
	db := open(t, Options{Files: []string{file}, Policy: AcceptNew})
	// The other process holds the lock, appends the host when told to, then
	// releases it.
	entry := line("[127.0.0.9]:2222", key)
	cmd := exec.Command("flock", file, "sh", "-c", `echo locked; read go; printf '%s\n' "$2" >> "$1"`, "sh", file, entry)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if l, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || l != "locked\n" {
		t.Fatalf("flock: %q %v", l, err)
	}
	done := make(chan error, 1)
	go func() { done <- db.Check(Target{Addr: "127.0.0.9:2222"}, key) }()
	io.WriteString(stdin, "go\n")
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if lines := fileLines(t, file); len(lines) != 1 || lines[0] != entry {
		t.Fatalf("lines %q, want only the other process's", lines)
	}
}

func hostCert(t testing.TB, ca ssh.Signer, host ssh.Signer, principals []string, validFor time.Duration) ssh.Signer {
	t.Helper()
	cert := &ssh.Certificate{
		Key:             host.PublicKey(),
		CertType:        ssh.HostCert,
		KeyId:           "test host",
		ValidPrincipals: principals,
		ValidAfter:      uint64(time.Now().Add(-time.Hour).Unix()),
		ValidBefore:     uint64(time.Now().Add(validFor).Unix()),
	}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewCertSigner(cert, host)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCertAuthority(t *testing.T) {
	ca, otherCA := newKey(t, ssh.KeyAlgoED25519), newKey(t, ssh.KeyAlgoED25519)
	hostKey := newKey(t, ssh.KeyAlgoECDSA256)
	caLine := "@cert-authority [127.0.0.1]:2222,*.example.com " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(ca.PublicKey())))
	caAlias := "@cert-authority h.example.com " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(ca.PublicKey())))
	revokedCA := "@revoked * " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(ca.PublicKey())))
	good := hostCert(t, ca, hostKey, []string{"127.0.0.1", "h.example.com"}, time.Hour).PublicKey()
	otherCert := hostCert(t, otherCA, hostKey, []string{"127.0.0.1"}, time.Hour).PublicKey()
	// As ssh(1): a certificate whose CA the host has must be valid; one
	// signed by no authority of the host is checked as its plain key
	// (unknown, so recorded under accept-new).
	tests := []struct {
		name     string
		content  string
		target   Target
		key      ssh.PublicKey
		policy   Policy
		want     string // "ok", "unknown", "invalid" or "revoked"
		recorded bool
	}{
		{"signed by the CA", caLine, Target{Addr: "127.0.0.1:2222"}, good, Strict, "ok", false},
		{"wildcard host", caLine, Target{Addr: "h.example.com:22"}, good, Strict, "ok", false},
		{"alias", caAlias, Target{Addr: "127.0.0.1:2222", Alias: "h.example.com"}, good, Strict, "ok", false},
		{"alias not a principal", caAlias, Target{Addr: "127.0.0.1:2222", Alias: "h.example.com"}, hostCert(t, ca, hostKey, []string{"127.0.0.1"}, time.Hour).PublicKey(), Strict, "invalid", false},
		{"other port", caLine, Target{Addr: "127.0.0.1:2200"}, good, Strict, "unknown", false},
		{"other CA", caLine, Target{Addr: "127.0.0.1:2222"}, otherCert, Strict, "unknown", false},
		{"other CA, accept-new", caLine, Target{Addr: "127.0.0.1:2222"}, otherCert, AcceptNew, "ok", true},
		{"wrong principal", caLine, Target{Addr: "127.0.0.1:2222"}, hostCert(t, ca, hostKey, []string{"10.9.9.9"}, time.Hour).PublicKey(), Strict, "invalid", false},
		{"expired", caLine, Target{Addr: "127.0.0.1:2222"}, hostCert(t, ca, hostKey, []string{"127.0.0.1"}, -time.Minute).PublicKey(), AcceptNew, "invalid", false},
		{"CA revoked", caLine + "\n" + revokedCA, Target{Addr: "127.0.0.1:2222"}, good, Insecure, "revoked", false},
		{"plain key of a CA-only host", caLine, Target{Addr: "127.0.0.1:2222"}, hostKey.PublicKey(), Strict, "unknown", false},
		{"plain key of a CA-only host, accept-new", caLine, Target{Addr: "127.0.0.1:2222"}, hostKey.PublicKey(), AcceptNew, "ok", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, tt.content+"\n")
			db := open(t, Options{Files: []string{file}, Policy: tt.policy})
			err := db.Check(tt.target, tt.key)
			got := verdict(err)
			if got == "error: "+fmt.Sprint(err) {
				var ke *KeyError
				if errors.As(err, &ke) && ke.Err != nil {
					got = "invalid"
				}
			}
			if got != tt.want {
				t.Fatalf("%s (%v), want %s", got, err, tt.want)
			}
			lines := fileLines(t, file)
			if recorded := len(lines) > strings.Count(tt.content, "\n")+1; recorded != tt.recorded {
				t.Fatalf("recorded: %v, want %v (%q)", recorded, tt.recorded, lines)
			}
			if tt.recorded && !strings.HasSuffix(lines[len(lines)-1], authorized(hostKey.PublicKey())) {
				t.Errorf("recorded %q, want the plain key", lines[len(lines)-1])
			}
		})
	}
	db := open(t, Options{Files: []string{writeFile(t, caLine+"\n")}})
	if algos := db.HostKeyAlgorithms(Target{Addr: "127.0.0.1:2222"}, nil); !isCertAlgo(algos[0]) || !slices.Contains(algos, ssh.CertAlgoECDSA256v01) {
		t.Errorf("algorithms for a host under an ed25519 CA do not put every certificate type first: %v", algos)
	}
	for _, a := range db.HostKeyAlgorithms(Target{Addr: "unknown.example:22"}, nil) {
		if strings.Contains(a, "cert") {
			t.Errorf("certificate algorithm %s asked of a host no CA covers", a)
		}
	}
}

func TestHostKeyAlgorithmsPreferKnownTypes(t *testing.T) {
	rsaKey := newKey(t, ssh.KeyAlgoRSA).PublicKey()
	ecKey := newKey(t, ssh.KeyAlgoECDSA256).PublicKey()
	file := writeFile(t, line("rsa.example", rsaKey)+"\n"+line("[ec.example]:2222", ecKey)+"\n")
	db := open(t, Options{Files: []string{file}})
	tests := []struct {
		addr  string
		first []string
	}{
		{"rsa.example:22", []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}},
		{"ec.example:2222", []string{ssh.KeyAlgoECDSA256}},
		{"unknown.example:22", slices.DeleteFunc(ssh.SupportedAlgorithms().HostKeys, func(a string) bool { return strings.Contains(a, "cert") })[:1]},
	}
	for _, tt := range tests {
		got := db.HostKeyAlgorithms(Target{Addr: tt.addr}, nil)
		if !slices.Equal(got[:len(tt.first)], tt.first) || !slices.Contains(got, ssh.KeyAlgoED25519) {
			t.Errorf("%s: %v, want %v first and the other types after", tt.addr, got, tt.first)
		}
	}
}

// TestHostKeyAlgorithmsOnlyAllowed checks that the known types come first
// among the allowed algorithms only: a known RSA key does not bring back
// SHA-1 "ssh-rsa" signatures unless they are allowed, and the rest follows
// the allowed order.
func TestHostKeyAlgorithmsOnlyAllowed(t *testing.T) {
	rsaKey := newKey(t, ssh.KeyAlgoRSA).PublicKey()
	db := open(t, Options{Files: []string{writeFile(t, line("rsa.example", rsaKey)+"\n")}})
	allowed := []string{ssh.KeyAlgoED25519, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoECDSA256}
	tests := []struct {
		allowed []string
		want    []string
	}{
		{allowed, []string{ssh.KeyAlgoRSASHA256, ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256}},
		{append(slices.Clone(allowed), ssh.KeyAlgoRSA), []string{ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA, ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256}},
		{[]string{ssh.KeyAlgoED25519}, []string{ssh.KeyAlgoED25519}},
	}
	for _, tt := range tests {
		if got := db.HostKeyAlgorithms(Target{Addr: "rsa.example:22"}, tt.allowed); !slices.Equal(got, tt.want) {
			t.Errorf("allowed %v: %v, want %v", tt.allowed, got, tt.want)
		}
	}
	if got := db.HostKeyAlgorithms(Target{Addr: "rsa.example:22"}, nil); slices.Contains(got, ssh.KeyAlgoRSA) {
		t.Errorf("nil allowed (x/crypto's secure algorithms): %v asks for ssh-rsa", got)
	}
}
