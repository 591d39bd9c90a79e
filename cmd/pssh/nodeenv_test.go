package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gopssh/pssh/internal/opensshd"
)

// TestNodeEnvOpenSSH runs a command that prints PSSH_NODENUM and PSSH_HOST
// on a real sshd whose 127.0.0.2 accepts them (AcceptEnv PSSH_* in a
// Match block) and whose 127.0.0.1 does not: there the command runs
// without them, and the host succeeds.
func TestNodeEnvOpenSSH(t *testing.T) {
	s := opensshd.StartT(t, opensshd.Options{
		Addrs:       []string{"127.0.0.1", "127.0.0.2"},
		NoAcceptEnv: true,
		ExtraConfig: []string{"Match LocalAddress 127.0.0.2", "AcceptEnv PSSH_*"},
	})
	user, _ := opensshd.EnsureTestUser(t)
	hosts := fmt.Sprintf("%s@127.0.0.[1-2]:%d", user, s.Port)
	r := runPssh(t, "-H", hosts, "--key", s.ClientKeyFile, "-O", "UserKnownHostsFile="+s.KnownHostsFile,
		"--inline-stdout", `echo "node=$PSSH_NODENUM host=$PSSH_HOST"`)
	wantCode(t, r, 0)
	for _, want := range []string{
		fmt.Sprintf("[SUCCESS] 127.0.0.1:%d\nnode= host=\n", s.Port),
		fmt.Sprintf("[SUCCESS] 127.0.0.2:%d\nnode=1 host=127.0.0.2\n", s.Port),
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}
