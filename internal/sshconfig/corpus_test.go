package sshconfig

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gopssh/pssh/internal/sshalgo"
)

// The differential test: every file of testdata/corpus is resolved for
// each of its hosts by this package and by the installed `ssh -G -F FILE`,
// and every keyword pssh applies is compared (see compareDump). A file
// starts with directives in comments:
//
//	#@ hosts: web1 WEB1 db1     the hosts to resolve (default: x)
//	#@ user: bob / #@ port: 2200  as ssh -l / -p
//	#@ env: NAME=VALUE          set for both while the file is resolved
//	#@ hostsfile                resolve names with testdata/corpus/hosts:
//	                            ssh runs in a mount namespace where that
//	                            file is /etc/hosts (and no name server),
//	                            this package with the same table
//	#@ error                    both must reject the file (pssh naming
//	                            file and line)
//	#@ openssh: 9.4             ssh -G is the oracle only from that
//	                            version on; below it, the "#@ expect HOST
//	                            keyword value" lines are
//
// In the files, {{dir}} is the directory of the corpus copy, and {{rel}}
// a directory inside ~/.ssh holding the corpus' dotssh/ files (for
// relative Include paths, which OpenSSH takes from ~/.ssh).

// corpusFile is a corpus file with its directives.
type corpusFile struct {
	name      string
	hosts     []string
	override  Override
	env       []string
	hostsFile bool
	wantError bool
	minSSH    float64
	expect    map[string][]Line // host -> expected lines, when the oracle is too old
}

func readCorpusFile(t *testing.T, name string, data []byte) corpusFile {
	t.Helper()
	cf := corpusFile{name: name, hosts: []string{"x"}, expect: map[string][]Line{}}
	for line := range strings.Lines(string(data)) {
		d, ok := strings.CutPrefix(strings.TrimSpace(line), "#@ ")
		if !ok {
			continue
		}
		key, val, _ := strings.Cut(d, ":")
		if strings.HasPrefix(d, "expect ") {
			f := strings.SplitN(strings.TrimPrefix(d, "expect "), " ", 3)
			if len(f) != 3 {
				t.Fatalf("%s: bad directive %q", name, d)
			}
			cf.expect[f[0]] = append(cf.expect[f[0]], Line{f[1], f[2]})
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "hosts":
			cf.hosts = strings.Fields(val)
		case "user":
			cf.override.User = val
		case "port":
			cf.override.Port, _ = strconv.Atoi(val)
		case "env":
			cf.env = append(cf.env, val)
		case "hostsfile":
			cf.hostsFile = true
		case "error":
			cf.wantError = true
		case "openssh":
			cf.minSSH, _ = strconv.ParseFloat(val, 64)
		default:
			t.Fatalf("%s: unknown directive %q", name, d)
		}
	}
	return cf
}

// sshVersion is the installed OpenSSH's version, as 9.2.
func sshVersion(t *testing.T) float64 {
	out, err := exec.Command("ssh", "-V").CombinedOutput()
	if err != nil {
		t.Fatalf("ssh -V: %v: %s", err, out)
	}
	m := regexp.MustCompile(`OpenSSH_(\d+\.\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("ssh -V: no version in %q", out)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// oracle runs ssh -G.
type oracle struct {
	hosts, resolv string // for the namespace
	nsErr         error  // why no namespace can be made, if so
}

// run returns ssh -G's lines, or an error when ssh rejects the file.
func (o *oracle) run(t *testing.T, cf corpusFile, file, host string) (map[string][]string, error) {
	args := []string{"-G", "-F", file}
	if cf.override.User != "" {
		args = append(args, "-l", cf.override.User)
	}
	if cf.override.Port != 0 {
		args = append(args, "-p", strconv.Itoa(cf.override.Port))
	}
	args = append(args, host)
	var cmd *exec.Cmd
	if cf.hostsFile {
		if o.nsErr != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s needs a mount namespace: %v", cf.name, o.nsErr)
			}
			t.Skipf("%s needs a mount namespace: %v", cf.name, o.nsErr)
		}
		script := `mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/resolv.conf && shift 2 && exec ssh "$@"`
		cmd = exec.Command("unshare", append([]string{"-m", "sh", "-c", script, "sh", o.hosts, o.resolv}, args...)...)
	} else {
		cmd = exec.Command("ssh", args...)
	}
	cmd.Env = append(os.Environ(), cf.env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("ssh %s: %v: %s", strings.Join(args, " "), err, stderr.Bytes())
	}
	m := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		k, v, _ := strings.Cut(strings.TrimRight(line, "\n"), " ")
		k = strings.ToLower(k) // 9.2 prints canonicalizePermittedcnames
		m[k] = append(m[k], v)
	}
	return m, nil
}

// namespace checks that ssh can run with the corpus' hosts file as
// /etc/hosts.
func (o *oracle) namespace(dir string) {
	o.hosts = filepath.Join(dir, "hosts")
	o.resolv = filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(o.resolv, []byte("nameserver 127.0.0.1\noptions attempts:1 timeout:1\n"), 0o644); err != nil {
		o.nsErr = err
		return
	}
	out, err := exec.Command("unshare", "-m", "sh", "-c", `mount --bind "$1" /etc/hosts && getent hosts web1.example.test.`, "sh", o.hosts).CombinedOutput()
	if err != nil {
		o.nsErr = fmt.Errorf("unshare -m: %v: %s", err, out)
	}
}

// alwaysPrinted are the keywords ssh -G prints whether or not they are
// set; the others of Dump are compared only when set.
var alwaysPrinted = []string{
	"host", "user", "hostname", "port", "identitiesonly", "connecttimeout", "serveraliveinterval",
	"serveralivecountmax", "stricthostkeychecking", "ciphers", "kexalgorithms", "macs",
	"hostkeyalgorithms", "canonicalizehostname", "canonicaldomains",
	"canonicalizemaxdots", "canonicalizefallbacklocal", "canonicalizepermittedcnames",
}

// compareDump compares pssh's lines with ssh -G's, keyword by keyword, and
// returns the keywords compared.
func compareDump(t *testing.T, where string, got []Line, want map[string][]string, sshKnows map[string][]string) []string {
	t.Helper()
	byKey := map[string][]string{}
	var keys []string
	for _, l := range got {
		if _, ok := byKey[l.Keyword]; !ok {
			keys = append(keys, l.Keyword)
		}
		byKey[l.Keyword] = append(byKey[l.Keyword], l.Value)
	}
	// Keywords without a default that pssh did not find must be absent
	// from ssh -G too (UserKnownHostsFile, GlobalKnownHostsFile and
	// IdentityFile have defaults there).
	for _, k := range []string{"certificatefile", "identityagent", "proxyjump", "proxycommand", "hostkeyalias", "tag"} {
		if _, ok := byKey[k]; !ok {
			if _, ok := want[k]; ok {
				t.Errorf("%s: %s: pssh has none, ssh -G %q", where, k, want[k])
			}
		}
	}
	for _, k := range keys {
		if known, ok := sshKnows[k]; ok {
			// An algorithm list: compared on the algorithms both
			// implement (pssh offers what x/crypto/ssh implements, ssh
			// what it does), ciphers as sets (pssh orders its default
			// ciphers by CPU).
			ours, theirs := commonAlgorithms(k, byKey[k], want[k], known)
			if !slices.Equal(ours, theirs) {
				t.Errorf("%s: %s: pssh %q, ssh -G %q (the algorithms both implement)", where, k, ours, theirs)
			}
			continue
		}
		if !slices.Equal(byKey[k], want[k]) {
			t.Errorf("%s: %s: pssh %q, ssh -G %q", where, k, byKey[k], want[k])
		}
	}
	return keys
}

func TestCorpusAgainstOpenSSH(t *testing.T) {
	requireSSH(t)
	version := sshVersion(t)
	u := localUser(t)
	src := filepath.Join("testdata", "corpus")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// {{rel}}: a directory of ours inside ~/.ssh, for relative Includes.
	sshDir := filepath.Join(u.HomeDir, ".ssh")
	if err := os.MkdirAll(sshDir, 0o700); err != nil {
		t.Fatal(err)
	}
	var id [6]byte
	rand.Read(id[:])
	rel := "pssh-corpus-" + hex.EncodeToString(id[:])
	if err := os.CopyFS(filepath.Join(sshDir, rel), os.DirFS(filepath.Join(src, "dotssh"))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Join(sshDir, rel)) })
	replace := strings.NewReplacer("{{dir}}", dir, "{{rel}}", rel)
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	// The copies, placeholders replaced (dotssh's too).
	for _, root := range []string{dir, filepath.Join(sshDir, rel)} {
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, []byte(replace.Replace(string(data))), 0o600)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	hostsData, err := os.ReadFile(filepath.Join(dir, "hosts"))
	if err != nil {
		t.Fatal(err)
	}
	resolver := parseHosts(string(hostsData))
	var o oracle
	o.namespace(dir)
	sshKnows := sshAlgorithms(t)

	var files, resolved, oracled, expected int
	compared := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".conf") {
			continue
		}
		files++
		file := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		cf := readCorpusFile(t, e.Name(), data)
		t.Run(e.Name(), func(t *testing.T) {
			for _, kv := range cf.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			opt := Options{UserFile: file, HomeDir: u.HomeDir, LocalUser: u.Username}
			if cf.hostsFile {
				opt.Resolver = resolver
			} else {
				opt.Resolver = mapResolver{} // no name resolves: none is looked up
			}
			c, loadErr := Load(opt)
			for _, host := range cf.hosts {
				where := e.Name() + " " + host
				var got Settings
				err := loadErr
				if err == nil {
					got, err = c.ResolveWith(host, cf.override)
				}
				resolved++
				if cf.minSSH > version {
					expected++
					if err != nil {
						t.Errorf("%s: %v", where, err)
						continue
					}
					if len(cf.expect[host]) == 0 {
						t.Errorf("%s: needs OpenSSH %v (installed %v) and has no expectations", where, cf.minSSH, version)
					}
					for _, w := range cf.expect[host] {
						if v := lookupDump(got.Dump(), w.Keyword); v != w.Value {
							t.Errorf("%s: %s: pssh %q, want %q", where, w.Keyword, v, w.Value)
						}
					}
					continue
				}
				oracled++
				want, sshErr := o.run(t, cf, file, host)
				switch {
				case cf.wantError:
					if sshErr == nil {
						t.Errorf("%s: ssh -G accepts the file, which is marked #@ error", where)
					}
					var ce *Error
					if !errors.As(err, &ce) || ce.Line == 0 {
						t.Errorf("%s: pssh: %v, want an error naming file and line (ssh: %v)", where, err, sshErr)
					}
					continue
				case sshErr != nil && err != nil:
					t.Errorf("%s: both reject the file (mark it #@ error): pssh %v; %v", where, err, sshErr)
					continue
				case sshErr != nil:
					t.Errorf("%s: pssh accepts the file, %v", where, sshErr)
					continue
				case err != nil:
					t.Errorf("%s: pssh: %v; ssh -G accepts the file", where, err)
					continue
				}
				for _, k := range compareDump(t, where, got.Dump(), want, sshKnows) {
					compared[k] = true
				}
			}
		})
	}
	if files < 60 {
		t.Errorf("the corpus has %d files, want at least 60", files)
	}
	var keys []string
	for k := range compared {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	t.Logf("%d files, %d resolutions (%d against ssh -G %v, %d against the files' expectations); keywords compared: %s",
		files, resolved, oracled, version, expected, strings.Join(keys, " "))
}

func lookupDump(lines []Line, key string) string {
	var vs []string
	for _, l := range lines {
		if l.Keyword == key {
			vs = append(vs, l.Value)
		}
	}
	return strings.Join(vs, " ")
}

// sshAlgorithms returns, by keyword, the algorithms the installed ssh
// implements (ssh -Q).
func sshAlgorithms(t *testing.T) map[string][]string {
	m := map[string][]string{}
	for _, k := range sshalgo.Kinds {
		out, err := exec.Command("ssh", "-Q", k.Option()).Output()
		if err != nil {
			t.Fatalf("ssh -Q %s: %v", k.Option(), err)
		}
		m[strings.ToLower(k.Option())] = strings.Fields(string(out))
	}
	return m
}

// commonAlgorithms keeps of pssh's list the algorithms ssh implements and
// of ssh's those x/crypto/ssh implements.
func commonAlgorithms(key string, ours, theirs, sshKnows []string) ([]string, []string) {
	kind := algorithmKinds[key]
	split := func(v []string) []string { return strings.Split(strings.Join(v, ","), ",") }
	o := slices.DeleteFunc(split(ours), func(a string) bool { return !slices.Contains(sshKnows, a) })
	th := slices.DeleteFunc(split(theirs), func(a string) bool { return !slices.Contains(sshalgo.Known(kind), a) })
	if kind == sshalgo.Cipher {
		slices.Sort(o)
		slices.Sort(th)
	}
	return o, th
}
