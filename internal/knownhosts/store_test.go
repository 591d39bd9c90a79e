package knownhosts

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/ssh"
)

// TestMalformedLinesWarn: every line OpenSSH could not use is skipped with
// one warning naming the file and line, the other lines are used, and a
// second DB on the file warns no more.
func TestMalformedLinesWarn(t *testing.T) {
	k := ed25519Key(t)
	good := line("good.example", k)
	lines := []string{
		"# comment",
		"bad.example ssh-ed25519 illegal-base64!",
		"",
		good,
		"only-two-fields ssh-ed25519",
		"@bogus bad.example " + authorized(k),
		"|1|nosalt " + authorized(k),
		"typo.example ssh-rsa " + strings.Fields(authorized(k))[1],
		"   ",
		"@revoked",
		"tail.example " + authorized(k),
	}
	file := writeFile(t, strings.Join(lines, "\n"))
	var got []Warning
	store := &Store{Warn: func(w Warning) { got = append(got, w) }}
	db := open(t, Options{Files: []string{file}, Store: store})
	wantLines := []int{2, 5, 6, 7, 8, 10}
	if len(got) != len(wantLines) {
		t.Fatalf("%d warnings, want %d: %v", len(got), len(wantLines), got)
	}
	for i, w := range got {
		if w.File != file || w.Line != wantLines[i] || w.Text == "" || !strings.HasPrefix(w.String(), fmt.Sprintf("%s:%d: ", file, wantLines[i])) {
			t.Errorf("warning %d: %+v (%s), want line %d", i, w, w, wantLines[i])
		}
	}
	for _, host := range []string{"good.example:22", "tail.example:22"} {
		if err := db.Check(Target{Addr: host}, k); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	open(t, Options{Files: []string{file}, Store: store, Policy: AcceptNew})
	if len(got) != len(wantLines) || len(store.Warnings()) != len(wantLines) {
		t.Errorf("warned again: %v", got)
	}
}

// TestUnreadableFile: a file that cannot be read fails the checks that
// use it, with its error; DBs on other files are not affected.
func TestUnreadableFile(t *testing.T) {
	k := ed25519Key(t)
	dir := t.TempDir()
	unreadable := filepath.Join(dir, "is-a-directory")
	if err := os.Mkdir(unreadable, 0o700); err != nil {
		t.Fatal(err)
	}
	readable := writeFile(t, line("h.example", k)+"\n")
	store := &Store{}
	bad := open(t, Options{Files: []string{readable, unreadable}, Store: store})
	goodDB := open(t, Options{Files: []string{readable}, Store: store})
	for _, policy := range []Policy{Strict, AcceptNew, Insecure} {
		db := open(t, Options{Files: []string{unreadable}, Store: store, Policy: policy})
		err := db.Check(Target{Addr: "new.example:22"}, k)
		var fe *FileError
		if !errors.As(err, &fe) || fe.File != unreadable || !strings.Contains(err.Error(), unreadable) {
			t.Errorf("policy %d: %v, want a *FileError naming %s", policy, err, unreadable)
		}
	}
	if err := bad.Check(Target{Addr: "h.example:22"}, k); err == nil {
		t.Error("a host checked against an unreadable file passed")
	}
	if err := goodDB.Check(Target{Addr: "h.example:22"}, k); err != nil {
		t.Errorf("another DB of the store: %v", err)
	}
}

// TestParsedOnce: DBs on the same files share one reading of each.
func TestParsedOnce(t *testing.T) {
	k := ed25519Key(t)
	file := writeFile(t, line("h.example", k)+"\n")
	store := &Store{}
	var dbs []*DB
	for _, p := range []Policy{Strict, AcceptNew, Insecure} {
		dbs = append(dbs, open(t, Options{Files: []string{file}, Store: store, Policy: p}))
		dbs = append(dbs, open(t, Options{Files: []string{filepath.Join(t.TempDir(), "x"), file}, Store: store, Policy: p}))
	}
	for _, db := range dbs[1:] {
		if db.files[len(db.files)-1] != dbs[0].files[0] {
			t.Fatal("two DBs read the same file twice")
		}
	}
	// An accept-new append by one DB is seen by the others at once.
	other := ed25519Key(t)
	if err := dbs[2].Check(Target{Addr: "new.example:22"}, other); err != nil {
		t.Fatal(err)
	}
	if err := dbs[1].Check(Target{Addr: "new.example:22"}, other); err != nil {
		t.Errorf("the other DB does not know the host appended: %v", err)
	}
}

// bigFile writes a known_hosts file of n lines: one per host
// host0.example ... (hashed if asked), and a few wildcard lines.
func bigFile(tb testing.TB, n int, hashed bool, key ssh.PublicKey) string {
	var b strings.Builder
	k := authorized(key)
	salt := make([]byte, 20)
	for i := range n {
		name := fmt.Sprintf("host%d.example", i)
		switch {
		case i%1000 == 999:
			name = fmt.Sprintf("*.rack%d.example,!bad.rack%d.example", i, i)
		case hashed:
			copy(salt, fmt.Sprint(i))
			name = hashName(name, salt)
		}
		b.WriteString(name + " " + k + "\n")
	}
	return writeFile(tb, b.String())
}

// BenchmarkCheck10000Hosts: 10,000 hosts checked against a 20,000-line
// known_hosts, each host once with Check and once with HostKeyAlgorithms
// as a connection does, 8 at a time; one op is the whole run, reading the
// file included.
func BenchmarkCheck10000Hosts(b *testing.B) {
	for _, hashed := range []bool{false, true} {
		b.Run(fmt.Sprint("hashed=", hashed), func(b *testing.B) {
			key := ed25519Key(b)
			file := bigFile(b, 20000, hashed, key)
			b.ResetTimer()
			for range b.N {
				db, err := Open(Options{Files: []string{file}, Store: &Store{}})
				if err != nil {
					b.Fatal(err)
				}
				var next atomic.Int64
				var wg sync.WaitGroup
				for range 8 {
					wg.Go(func() {
						for i := next.Add(1) - 1; i < 10000; i = next.Add(1) - 1 {
							t := Target{Addr: fmt.Sprintf("host%d.example:22", i*2)}
							db.HostKeyAlgorithms(t, nil)
							if err := db.Check(t, key); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
			}
		})
	}
}
