package sshauth_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/gopssh/pssh/internal/sshauth"
	"github.com/gopssh/pssh/sshtest"
)

func newKey(t *testing.T) *sshtest.Key {
	t.Helper()
	k, err := sshtest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func encrypted(t *testing.T, k *sshtest.Key, passphrase string) []byte {
	t.Helper()
	pem, err := k.EncryptedPEM([]byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	return pem
}

func writeFile(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// authLog collects an sshtest server's authentication log lines.
type authLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *authLog) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

// succeeded returns the methods that authenticated successfully.
func (l *authLog) succeeded() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		if i := strings.Index(line, "method="); i >= 0 && strings.HasSuffix(line, ": ok") {
			out = append(out, strings.TrimSuffix(line[i+len("method="):], ": ok"))
		}
	}
	return out
}

// server starts an sshtest server accepting password for any user and the
// given keys; its log records which methods succeeded.
func server(t *testing.T, password string, keys ...ssh.PublicKey) (*sshtest.Server, *authLog) {
	t.Helper()
	log := &authLog{}
	srv, err := sshtest.NewServer(sshtest.Config{Password: password, AuthorizedKeys: keys, Logf: log.logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, log
}

// login authenticates against srv with methods and reports the error.
func login(srv *sshtest.Server, methods []ssh.AuthMethod) error {
	c, err := ssh.Dial("tcp", srv.Addr, &ssh.ClientConfig{
		User:            "tester",
		Auth:            methods,
		HostKeyCallback: srv.HostKeyCallback(),
		Timeout:         10 * time.Second,
	})
	if err != nil {
		return err
	}
	return c.Close()
}

func TestNewKeys(t *testing.T) {
	k := newKey(t)
	dir := t.TempDir()
	plainFile := writeFile(t, filepath.Join(dir, "plain"), k.PEM)
	enc := encrypted(t, k, "c0rrect-pp") // bcrypt: slow, above all under -race
	encFile := writeFile(t, filepath.Join(dir, "enc"), enc)
	home := writeFile(t, filepath.Join(dir, "home", "k"), k.PEM)
	tests := []struct {
		name    string
		keys    []sshauth.Key
		tried   []string
		wantErr string // substring of New's error; "" means success
	}{
		{name: "key file", keys: []sshauth.Key{{Path: plainFile}}, tried: []string{plainFile}},
		{name: "key file under ~", keys: []sshauth.Key{{Path: "~/k"}}, tried: []string{"~/k"}},
		{name: "key bytes", keys: []sshauth.Key{{PEM: k.PEM}}, tried: []string{"key #1"}},
		{name: "passphrase on a plain key is ignored", keys: []sshauth.Key{{PEM: k.PEM, Passphrase: []byte("x")}}, tried: []string{"key #1"}},
		{name: "encrypted bytes, right passphrase", keys: []sshauth.Key{{PEM: enc, Passphrase: []byte("c0rrect-pp")}}, tried: []string{"key #1"}},
		{name: "encrypted file, right passphrase", keys: []sshauth.Key{{Path: encFile, Passphrase: []byte("c0rrect-pp")}}, tried: []string{encFile}},
		{name: "encrypted bytes, wrong passphrase", keys: []sshauth.Key{{PEM: enc, Passphrase: []byte("bad-pp-9")}}, wantErr: "key #1: wrong passphrase"},
		{name: "encrypted file, wrong passphrase", keys: []sshauth.Key{{Path: encFile, Passphrase: []byte("bad-pp-9")}}, wantErr: encFile + ": wrong passphrase"},
		{name: "encrypted, no passphrase", keys: []sshauth.Key{{PEM: enc}}, wantErr: "encrypted and no passphrase"},
		{name: "missing file", keys: []sshauth.Key{{Path: filepath.Join(dir, "nope")}}, wantErr: "reading private key"},
		{name: "optional missing and encrypted keys skipped", keys: []sshauth.Key{{Path: filepath.Join(dir, "nope"), Optional: true}, {Path: encFile, Optional: true}, {Path: plainFile, Optional: true}}, tried: []string{plainFile}},
		{name: "not a key", keys: []sshauth.Key{{PEM: []byte("hello")}}, wantErr: "key #1"},
		{name: "second key bad", keys: []sshauth.Key{{PEM: k.PEM}, {PEM: []byte("hello")}}, wantErr: "key #2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sshauth.New(sshauth.Options{Keys: tt.keys, DefaultKeys: true, HomeDir: filepath.Dir(home)})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "c0rrect-pp") || strings.Contains(err.Error(), "bad-pp-9") {
					t.Errorf("error %q shows the passphrase", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// Explicit keys replace the default identities (none here anyway).
			if !slices.Equal(s.Tried(), tt.tried) {
				t.Errorf("Tried %q, want %q", s.Tried(), tt.tried)
			}
			srv, _ := server(t, "", k.PublicKey())
			if err := login(srv, s.Methods()); err != nil {
				t.Errorf("login: %v", err)
			}
		})
	}
}

func TestDefaultIdentityFiles(t *testing.T) {
	ed, ecdsa, rsa := newKey(t), newKey(t), newKey(t) // all ed25519 keys; only the file names matter
	edEnc := encrypted(t, ed, "pp")
	tests := []struct {
		name       string
		files      map[string][]byte // under ~/.ssh
		passphrase string
		noDefault  bool
		explicit   bool
		tried      []string
		accepted   *sshtest.Key // a key the server accepts; login must work
	}{
		{name: "no .ssh", tried: nil},
		{name: "id_ed25519", files: map[string][]byte{"id_ed25519": ed.PEM},
			tried: []string{"~/.ssh/id_ed25519"}, accepted: ed},
		{name: "all three in order", files: map[string][]byte{"id_rsa": rsa.PEM, "id_ed25519": ed.PEM, "id_ecdsa": ecdsa.PEM},
			tried: []string{"~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"}, accepted: rsa},
		{name: "encrypted without passphrase is skipped", files: map[string][]byte{"id_ed25519": edEnc, "id_rsa": rsa.PEM},
			tried: []string{"~/.ssh/id_rsa"}, accepted: rsa},
		{name: "encrypted with passphrase", files: map[string][]byte{"id_ed25519": edEnc}, passphrase: "pp",
			tried: []string{"~/.ssh/id_ed25519"}, accepted: ed},
		{name: "encrypted with wrong passphrase is skipped", files: map[string][]byte{"id_ed25519": edEnc}, passphrase: "other",
			tried: nil},
		{name: "unreadable junk is skipped", files: map[string][]byte{"id_ed25519": []byte("junk"), "id_ecdsa": ecdsa.PEM},
			tried: []string{"~/.ssh/id_ecdsa"}, accepted: ecdsa},
		{name: "DefaultKeys off", files: map[string][]byte{"id_ed25519": ed.PEM}, noDefault: true, tried: nil},
		{name: "explicit key replaces them", files: map[string][]byte{"id_ed25519": ed.PEM}, explicit: true,
			tried: []string{"key #1"}, accepted: rsa},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			for name, data := range tt.files {
				writeFile(t, filepath.Join(home, ".ssh", name), data)
			}
			opt := sshauth.Options{DefaultKeys: !tt.noDefault, HomeDir: home, Passphrase: []byte(tt.passphrase)}
			if tt.explicit {
				opt.Keys = []sshauth.Key{{PEM: rsa.PEM}}
			}
			s, err := sshauth.New(opt)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if !slices.Equal(s.Tried(), tt.tried) {
				t.Errorf("Tried %q, want %q", s.Tried(), tt.tried)
			}
			if tt.accepted != nil {
				srv, _ := server(t, "", tt.accepted.PublicKey())
				if err := login(srv, s.Methods()); err != nil {
					t.Errorf("login with %s: %v", tt.accepted.PublicKey().Type(), err)
				}
			}
		})
	}
}

// startAgent serves an in-memory keyring holding keys on a unix socket in a
// temporary directory, and returns the socket and a count of the
// connections accepted.
func startAgent(t *testing.T, keys ...*sshtest.Key) (string, *atomic.Int64) {
	t.Helper()
	keyring := agent.NewKeyring()
	for _, k := range keys {
		raw, err := ssh.ParseRawPrivateKey(k.PEM)
		if err != nil {
			t.Fatal(err)
		}
		if err := keyring.Add(agent.AddedKey{PrivateKey: raw}); err != nil {
			t.Fatal(err)
		}
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				agent.ServeAgent(keyring, c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait() // every agent connection was closed by Set.Close
	})
	return sock, &accepted
}

func TestTriedOrder(t *testing.T) {
	k := newKey(t)
	file := writeFile(t, filepath.Join(t.TempDir(), "key"), k.PEM)
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".ssh", "id_ed25519"), k.PEM)
	tests := []struct {
		name  string
		opt   sshauth.Options
		tried []string
	}{
		{"nothing", sshauth.Options{}, nil},
		{"everything", sshauth.Options{Agent: true, Keys: []sshauth.Key{{Path: file}, {PEM: k.PEM}}, Password: "pw"},
			[]string{"agent", file, "key #2", "keyboard-interactive", "password"}},
		{"agent, default key, password", sshauth.Options{Agent: true, DefaultKeys: true, HomeDir: home, Password: "pw"},
			[]string{"agent", "~/.ssh/id_ed25519", "keyboard-interactive", "password"}},
		{"password only", sshauth.Options{Password: "pw"}, []string{"keyboard-interactive", "password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opt.AgentSocket = filepath.Join(t.TempDir(), "no-agent")
			s, err := sshauth.New(tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if !slices.Equal(s.Tried(), tt.tried) {
				t.Errorf("Tried %q, want %q", s.Tried(), tt.tried)
			}
		})
	}
}

func TestMethodsAuthenticate(t *testing.T) {
	agentKey, fileKey, otherKey := newKey(t), newKey(t), newKey(t)
	sock, _ := startAgent(t, agentKey)
	tests := []struct {
		name     string
		opt      sshauth.Options
		pick     func([]ssh.AuthMethod) []ssh.AuthMethod // nil: all methods
		password string                                  // the server's
		keys     []ssh.PublicKey                         // the server's
		method   string                                  // that succeeded; "" means login fails
	}{
		{name: "password", opt: sshauth.Options{Password: "sesame"}, password: "sesame",
			pick: func(m []ssh.AuthMethod) []ssh.AuthMethod { return m[1:] }, method: "password"},
		{name: "keyboard-interactive", opt: sshauth.Options{Password: "sesame"}, password: "sesame",
			pick: func(m []ssh.AuthMethod) []ssh.AuthMethod { return m[:1] }, method: "keyboard-interactive"},
		{name: "keyboard-interactive first", opt: sshauth.Options{Password: "sesame"}, password: "sesame", method: "keyboard-interactive"},
		{name: "wrong password", opt: sshauth.Options{Password: "open"}, password: "sesame"},
		{name: "key", opt: sshauth.Options{Keys: []sshauth.Key{{PEM: fileKey.PEM}}}, keys: []ssh.PublicKey{fileKey.PublicKey()}, method: "publickey"},
		{name: "wrong key, then password", opt: sshauth.Options{Keys: []sshauth.Key{{PEM: otherKey.PEM}}, Password: "sesame"},
			password: "sesame", keys: []ssh.PublicKey{fileKey.PublicKey()}, method: "keyboard-interactive"},
		{name: "agent key", opt: sshauth.Options{Agent: true, AgentSocket: sock}, keys: []ssh.PublicKey{agentKey.PublicKey()}, method: "publickey"},
		{name: "key after the agent's", opt: sshauth.Options{Agent: true, AgentSocket: sock, Keys: []sshauth.Key{{PEM: fileKey.PEM}}},
			keys: []ssh.PublicKey{fileKey.PublicKey()}, method: "publickey"},
		{name: "missing agent is no error", opt: sshauth.Options{Agent: true, AgentSocket: sock + ".none", Keys: []sshauth.Key{{PEM: fileKey.PEM}}},
			keys: []ssh.PublicKey{fileKey.PublicKey()}, method: "publickey"},
		{name: "wrong key", opt: sshauth.Options{Keys: []sshauth.Key{{PEM: otherKey.PEM}}}, keys: []ssh.PublicKey{fileKey.PublicKey()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sshauth.New(tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			srv, log := server(t, tt.password, tt.keys...)
			methods := s.Methods()
			if tt.pick != nil {
				methods = tt.pick(methods)
			}
			err = login(srv, methods)
			if tt.method == "" {
				if err == nil {
					t.Fatal("login succeeded")
				}
				return
			}
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			if got := log.succeeded(); !slices.Equal(got, []string{tt.method}) {
				t.Errorf("methods that succeeded: %q, want %q", got, tt.method)
			}
		})
	}
}

func TestDeriveSharesAgent(t *testing.T) {
	agentKey, fileKey := newKey(t), newKey(t)
	sock, accepted := startAgent(t, agentKey)
	s1, err := sshauth.New(sshauth.Options{Agent: true, AgentSocket: sock})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := s1.Derive(sshauth.Options{Agent: true, AgentSocket: sock, Keys: []sshauth.Key{{PEM: fileKey.PEM}}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s2.Tried(), []string{"agent", "key #1"}) {
		t.Errorf("derived Tried %q", s2.Tried())
	}
	srv, _ := server(t, "", agentKey.PublicKey())
	// Several logins from both Sets, concurrently.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		s := s1
		if i%2 == 1 {
			s = s2
		}
		wg.Go(func() { errs <- login(srv, s.Methods()) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("the agent accepted %d connections for two Sets, want 1", n)
	}
	// The derived Set uses its own keys as well.
	srv2, _ := server(t, "", fileKey.PublicKey())
	if err := login(srv2, s2.Methods()); err != nil {
		t.Errorf("derived key: %v", err)
	}
	if err := login(srv2, s1.Methods()); err == nil {
		t.Error("s1 logged in with s2's key")
	}
	// Closing either closes the shared connection.
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
}

// PubkeyAlgorithms (ssh_config's PubkeyAcceptedAlgorithms) leaves out the
// keys none of whose signature algorithms it lists, and an RSA key still
// logs in when only some of its algorithms are listed.
func TestPubkeyAlgorithms(t *testing.T) {
	ed := newKey(t)
	rsa, err := sshtest.GenerateKeyType(ssh.KeyAlgoRSA)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		key    *sshtest.Key
		algos  []string
		wantOK bool
	}{
		{"ed25519, all", ed, nil, true},
		{"ed25519 listed", ed, []string{"ecdsa-sha2-nistp256", ssh.KeyAlgoED25519}, true},
		{"ed25519 not listed", ed, []string{ssh.KeyAlgoRSASHA256}, false},
		{"nothing listed", ed, []string{}, false},
		{"rsa, one of its algorithms", rsa, []string{ssh.KeyAlgoRSASHA512}, true},
		{"rsa not listed", rsa, []string{ssh.KeyAlgoED25519}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sshauth.New(sshauth.Options{Keys: []sshauth.Key{{PEM: tt.key.PEM}}, PubkeyAlgorithms: tt.algos})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			srv, _ := server(t, "", tt.key.PublicKey())
			if err := login(srv, s.Methods()); (err == nil) != tt.wantOK {
				t.Errorf("login: %v, want success %t", err, tt.wantOK)
			}
		})
	}
}
