package sshtest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

// answer returns a keyboard-interactive method answering every question with
// answer, recording the questions asked.
func answer(answer string, asked *[]string) ssh.AuthMethod {
	return ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
		*asked = append(*asked, questions...)
		answers := make([]string, len(questions))
		for i := range answers {
			answers[i] = answer
		}
		return answers, nil
	})
}

func TestAuth(t *testing.T) {
	t.Parallel()
	good, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]string{"alice": "alice-pw", "bob": "bob-pw"}
	var asked []string // keyboard-interactive questions; only used sequentially

	tests := []struct {
		name   string
		cfg    Config
		user   string
		auth   []ssh.AuthMethod
		wantOK bool
	}{
		{"password ok", Config{Password: "pw"}, "anyone", []ssh.AuthMethod{ssh.Password("pw")}, true},
		{"password wrong", Config{Password: "pw"}, "anyone", []ssh.AuthMethod{ssh.Password("nope")}, false},
		{"users: own password", Config{Users: users}, "alice", []ssh.AuthMethod{ssh.Password("alice-pw")}, true},
		{"users: other's password", Config{Users: users}, "alice", []ssh.AuthMethod{ssh.Password("bob-pw")}, false},
		{"users: unknown user", Config{Users: users}, "mallory", []ssh.AuthMethod{ssh.Password("alice-pw")}, false},
		{"users: Password ignored", Config{Users: users, Password: "pw"}, "mallory", []ssh.AuthMethod{ssh.Password("pw")}, false},
		{"key ok", Config{AuthorizedKeys: []ssh.PublicKey{good.PublicKey()}}, "anyone", []ssh.AuthMethod{ssh.PublicKeys(good.Signer)}, true},
		{"key unknown", Config{AuthorizedKeys: []ssh.PublicKey{good.PublicKey()}}, "anyone", []ssh.AuthMethod{ssh.PublicKeys(unknown.Signer)}, false},
		{"key among several", Config{AuthorizedKeys: []ssh.PublicKey{good.PublicKey()}}, "anyone", []ssh.AuthMethod{ssh.PublicKeys(unknown.Signer, good.Signer)}, true},
		{"key when only password set", Config{Password: "pw"}, "anyone", []ssh.AuthMethod{ssh.PublicKeys(good.Signer)}, false},
		{"keyboard-interactive ok", Config{Password: "pw"}, "anyone", []ssh.AuthMethod{answer("pw", &asked)}, true},
		{"keyboard-interactive wrong", Config{Password: "pw"}, "anyone", []ssh.AuthMethod{answer("nope", &asked)}, false},
		{"keyboard-interactive per user", Config{Users: users}, "bob", []ssh.AuthMethod{answer("bob-pw", &asked)}, true},
		{"no client auth", Config{NoClientAuth: true}, "anyone", nil, true},
		{"zero config accepts no other client", Config{}, "anyone", []ssh.AuthMethod{ssh.Password(""), ssh.PublicKeys(good.Signer)}, false},
		{"RejectAuth: password", Config{Password: "pw", Faults: Faults{RejectAuth: true}}, "anyone", []ssh.AuthMethod{ssh.Password("pw")}, false},
		{"RejectAuth: key", Config{AuthorizedKeys: []ssh.PublicKey{good.PublicKey()}, Faults: Faults{RejectAuth: true}}, "anyone", []ssh.AuthMethod{ssh.PublicKeys(good.Signer)}, false},
		{"RejectAuth: keyboard-interactive", Config{Password: "pw", Faults: Faults{RejectAuth: true}}, "anyone", []ssh.AuthMethod{answer("pw", &asked)}, false},
		{"RejectAuth: no client auth", Config{NoClientAuth: true, Faults: Faults{RejectAuth: true}}, "anyone", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked = nil
			srv := startServer(t, tt.cfg)
			client, err := ssh.Dial("tcp", srv.Addr, clientConfig(srv, tt.user, tt.auth...))
			if gotOK := err == nil; gotOK != tt.wantOK {
				t.Fatalf("dial: err = %v, want success %v", err, tt.wantOK)
			}
			for _, q := range asked {
				if q != "Password: " {
					t.Errorf("keyboard-interactive asked %q, want %q", q, "Password: ")
				}
			}
			if err != nil {
				return
			}
			defer client.Close()
			if res := run(t, client, "echo in", ""); res.err != nil || res.stdout != "in\n" {
				t.Errorf("after login: Run = (%q, %v)", res.stdout, res.err)
			}
		})
	}
}

func TestRejectAuthAtRunTime(t *testing.T) {
	t.Parallel()
	srv := passwordServer(t)
	cfg := clientConfig(srv, "u", ssh.Password(testPassword))
	steps := []struct {
		faults Faults
		wantOK bool
	}{
		{Faults{}, true},
		{Faults{RejectAuth: true}, false},
		{Faults{}, true},
	}
	for i, step := range steps {
		srv.SetFaults(step.faults)
		client, err := ssh.Dial("tcp", srv.Addr, cfg)
		if (err == nil) != step.wantOK {
			t.Errorf("step %d (%+v): dial err = %v, want success %v", i, step.faults, err, step.wantOK)
		}
		if err == nil {
			client.Close()
		}
	}
}

func TestLogsNoSecrets(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		logs []string
	)
	srv, err := NewServer(Config{
		Password: "very-secret-password",
		Logf: func(format string, args ...any) {
			mu.Lock()
			logs = append(logs, fmt.Sprintf(format, args...))
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := clientConfig(srv, "u", ssh.Password("very-secret-password"))
	client, err := ssh.Dial("tcp", srv.Addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Setenv("TOKEN", "env-secret-value"); err != nil {
		t.Fatal(err)
	}
	if err := sess.Run("true"); err != nil {
		t.Fatal(err)
	}
	client.Close()
	wrong := clientConfig(srv, "u", ssh.Password("wrong-secret-guess"))
	if _, err := ssh.Dial("tcp", srv.Addr, wrong); err == nil {
		t.Fatal("wrong password accepted")
	}
	srv.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(logs) == 0 {
		t.Fatal("nothing logged")
	}
	for _, l := range logs {
		for _, secret := range []string{"very-secret-password", "env-secret-value", "wrong-secret-guess"} {
			if strings.Contains(l, secret) {
				t.Errorf("log line %q contains secret %q", l, secret)
			}
		}
	}
}
