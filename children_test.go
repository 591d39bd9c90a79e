package pssh_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// TestChildrenGetNoSecrets: the secrets the pssh command reads from the
// environment (PSSH_PASSWORD, PSSH_PASSPHRASE) reach no child process: not
// a ProxyCommand (which records its environment here), not a command of an
// sshtest server (the testbed's "remote" commands run locally).
func TestChildrenGetNoSecrets(t *testing.T) {
	t.Setenv("PSSH_PASSWORD", "pw-s3cret")
	t.Setenv("PSSH_PASSPHRASE", "phrase-s3cret")
	t.Setenv("PSSH_TEST_CANARY", "inherited")
	check := func(what, env string) {
		t.Helper()
		if !strings.Contains(env, "PSSH_TEST_CANARY=inherited") {
			t.Errorf("%s: the environment was not inherited at all:\n%s", what, env)
		}
		for _, secret := range []string{"PSSH_PASSWORD", "PSSH_PASSPHRASE", "s3cret"} {
			if strings.Contains(env, secret) {
				t.Errorf("%s: %s in the environment:\n%s", what, secret, env)
			}
		}
	}

	file := filepath.Join(t.TempDir(), "env")
	c := newClient(t, []string{"h"}, &pssh.Config{
		User: "u", IgnoreSSHConfig: true, NoAgent: true, NoDefaultKeys: true, KnownHostsFiles: []string{os.DevNull},
		ProxyCommand: "env > " + file + "; exit 3",
	})
	outs, err := c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
	if err != nil {
		t.Fatal(err)
	}
	if outs[0].Err() == nil {
		t.Fatal("a proxy command that exits connected")
	}
	env, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the proxy command did not record its environment: %v", err)
	}
	check("ProxyCommand", string(env))

	srv := sshtest.Start(t, sshtest.Config{})
	c = newClient(t, []string{srv.Addr}, srv.ClientConfig())
	outs, err = c.Run(ctxT(t), "env", nil)
	if err != nil {
		t.Fatal(err)
	}
	check("sshtest command", joinLines(outs[0].Stdout))
}
