package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/sshtest"
)

// TestSecretSources logs in with a password from each source pssh takes
// one from, and with a wrong password and passphrase checks that no secret
// shows in anything pssh prints, --json and -v included.
func TestSecretSources(t *testing.T) {
	const password = "pw-0b5e7c1d"
	key := clientKey(t)
	srv, err := sshtest.NewServer(sshtest.Config{Password: password, AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	known := filepath.Join(dir, "known_hosts")
	write := func(name string, data []byte, mode os.FileMode) string {
		t.Helper()
		name = filepath.Join(dir, name)
		if err := os.WriteFile(name, data, mode); err != nil {
			t.Fatal(err)
		}
		return name
	}
	write("known_hosts", []byte(srv.KnownHostsLine()+"\n"), 0o600)
	const passphrase = "pp-7a9c3e21"
	enc, err := key.EncryptedPEM([]byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	encKey := write("id_enc", enc, 0o600)
	goodFile := write("pw", []byte(password+"\n"), 0o600)
	openFile := write("pw-open", []byte(password+"\n"), 0o644)
	const wrongPassword, wrongPassphrase = "wrong-pw-5d2f", "wrong-pp-91ce"
	wrongFile := write("pw-wrong", []byte(wrongPassword+"\r\n"), 0o600)
	base := []string{"-H", srv.Addr, "-O", "UserKnownHostsFile=" + known, "--json", "-v"}
	noAgent := "SSH_AUTH_SOCK="

	for _, tc := range []struct {
		name string
		env  []string
		args []string
		code int
		want string // in stdout or stderr
	}{
		{"environment", []string{noAgent, passwordEnv + "=" + password}, nil, 0, `"exit_code":0`},
		{"file", []string{noAgent}, []string{"--password-file", goodFile}, 0, `"exit_code":0`},
		{"file readable by others", []string{noAgent}, []string{"--password-file", openFile}, 1, "too open"},
		{"missing file", []string{noAgent}, []string{"--password-file", filepath.Join(dir, "none")}, 1, "no such file"},
		{"wrong password in environment", []string{noAgent, passwordEnv + "=" + wrongPassword}, nil, 4, "authentication"},
		{"wrong password in file", []string{noAgent}, []string{"--password-file", wrongFile}, 4, "authentication"},
		{"passphrase", []string{noAgent, passphraseEnv + "=" + passphrase}, []string{"--key", encKey}, 0, `"exit_code":0`},
		// A key file given by name that cannot be used stops pssh before
		// any host is tried.
		{"wrong passphrase", []string{noAgent, passphraseEnv + "=" + wrongPassphrase}, []string{"--key", encKey}, 1, "wrong passphrase"},
		{"no passphrase without a terminal", []string{noAgent}, []string{"--key", encKey}, 1, "no passphrase was given"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append(append([]string{}, base...), tc.args...), "echo ok")
			r := psshEnv(t, tc.env, "", args...)
			wantCode(t, r, tc.code)
			all := r.stdout + r.stderr
			if !strings.Contains(all, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, all)
			}
			for _, secret := range []string{password, passphrase, wrongPassword, wrongPassphrase} {
				if strings.Contains(all, secret) {
					t.Errorf("a secret shows in the output:\n%s", all)
				}
			}
		})
	}
}

// TestAskPass types the password at pssh's -A prompt on a terminal.
func TestAskPass(t *testing.T) {
	srv, err := sshtest.NewServer(sshtest.Config{Password: "sesame"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	known := t.TempDir() + "/known_hosts"
	os.WriteFile(known, []byte(srv.KnownHostsLine()+"\n"), 0o600)
	p := startPty(t, []string{"NO_COLOR=1", "SSH_AUTH_SOCK="}, "-A", "-H", srv.Addr, "-O", "UserKnownHostsFile="+known, "-i", "echo logged in")
	p.waitFor(t, "Password: ", 1)
	if _, err := p.tty.Write([]byte("sesame\r")); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != 0 {
		t.Errorf("exit status %d:\n%q", code, p.output())
	}
	out := p.output()
	if strings.Contains(out, "sesame") {
		t.Errorf("the password was echoed:\n%q", out)
	}
	if !strings.Contains(out, "[SUCCESS]") || !strings.Contains(out, "logged in") {
		t.Errorf("output:\n%q", out)
	}
}

// TestProxyCommandGetsNoSecrets: a ProxyCommand started by the pssh
// command, which records its environment here, sees neither PSSH_PASSWORD
// nor PSSH_PASSPHRASE.
func TestProxyCommandGetsNoSecrets(t *testing.T) {
	file := filepath.Join(t.TempDir(), "env")
	r := psshEnv(t, []string{"PSSH_PASSWORD=pw-s3cret", "PSSH_PASSPHRASE=phrase-s3cret", "PSSH_TEST_CANARY=inherited"}, "",
		"-H", "h", "-O", "UserKnownHostsFile=/dev/null", "-O", "ProxyCommand=env > "+file+"; exit 3", "true")
	wantCode(t, r, 4)
	env, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the proxy command did not record its environment: %v\n%s%s", err, r.stdout, r.stderr)
	}
	if !strings.Contains(string(env), "PSSH_TEST_CANARY=inherited") {
		t.Errorf("the environment was not inherited at all:\n%s", env)
	}
	if strings.Contains(string(env), "s3cret") {
		t.Errorf("a secret reached the ProxyCommand:\n%s", env)
	}
}
