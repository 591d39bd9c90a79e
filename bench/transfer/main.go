// Command transfer measures pssh's file transfer against OpenSSH's own scp
// and sftp, on the same real sshd (started on loopback), for the same files,
// in the same run, interleaving the tools across repetitions:
//
//	go run ./bench/transfer                      # 1 GiB to/from 1 host, 100 MiB to/from 20 hosts
//	go run ./bench/transfer -big 256 -small 20   # sizes in MiB
//
// It prints MB/s (10^6 bytes of file content per second of wall time,
// summed over hosts) and the median over -reps repetitions. Run it as root
// on an otherwise idle machine; it needs sshd, scp and sftp.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
)

func main() {
	big := flag.Int("big", 1024, "MiB of the file sent to and fetched from one host")
	small := flag.Int("small", 100, "MiB of the file sent to and fetched from -hosts hosts")
	hosts := flag.Int("hosts", 20, "hosts for the small file")
	reps := flag.Int("reps", 3, "repetitions (medians are reported)")
	dir := flag.String("dir", "", "working directory (default: a new one under $TMPDIR)")
	user := flag.String("user", "pssh-test", "remote user, created with shell /bin/sh if missing (a login shell with heavy rc files would be measured too)")
	flag.Parse()
	ensureUser(*user)

	var ips []string
	for i := 1; i <= 10; i++ {
		ips = append(ips, fmt.Sprintf("127.0.0.%d", i))
	}
	srv, err := opensshd.Start(opensshd.Options{Addrs: ips})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	work := *dir
	if work == "" {
		if work, err = os.MkdirTemp("", "pssh-bench-"); err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(work)
	}
	if err := os.Chmod(work, 0o777); err != nil { // the remote user writes here
		log.Fatal(err)
	}
	srv.User = *user
	b := &bench{srv: srv, work: work}
	fmt.Printf("sshd: %s; %s\n", version("/usr/sbin/sshd", "-V"), version("ssh", "-V"))

	cases := []struct {
		name  string
		mib   int
		hosts int
	}{
		{"1 host", *big, 1},
		{fmt.Sprintf("%d hosts", *hosts), *small, *hosts},
	}
	for _, cs := range cases {
		src := filepath.Join(work, fmt.Sprintf("src-%d", cs.mib))
		if err := writeRandom(src, int64(cs.mib)<<20); err != nil {
			log.Fatal(err)
		}
		hostList := make([]string, cs.hosts)
		for i := range hostList {
			hostList[i] = srv.Addrs[i%len(srv.Addrs)]
		}
		c, err := pssh.New(hostList, &pssh.Config{
			User: srv.User, KeyFile: srv.ClientKeyFile, NoAgent: true, NoDefaultKeys: true,
			KnownHostsFiles: []string{srv.KnownHostsFile}, ConnectTimeout: 30 * time.Second,
		})
		if err != nil {
			log.Fatal(err)
		}
		total := int64(cs.mib) << 20 * int64(cs.hosts)
		tools := []struct {
			name string
			run  func(send bool) error
		}{
			{"pssh CopyFile/CopyRemoteFile (SFTP)", func(send bool) error { return b.psshSFTP(c, src, cs.hosts, send) }},
			{"pssh SCPSend/SCPRecv", func(send bool) error { return b.psshSCP(c, src, cs.hosts, send) }},
			{"OpenSSH scp", func(send bool) error { return b.openssh("scp", src, hostList, send) }},
			{"OpenSSH sftp -b", func(send bool) error { return b.openssh("sftp", src, hostList, send) }},
		}
		for _, send := range []bool{true, false} {
			dirName := "send to"
			if !send {
				dirName = "fetch from"
				// The remote files to fetch: one per host, as sent.
				if err := b.psshSFTP(c, src, cs.hosts, true); err != nil {
					log.Fatal(err)
				}
			}
			times := make([][]time.Duration, len(tools))
			for range *reps {
				for i, tool := range tools {
					b.clean(send)
					start := time.Now()
					if err := tool.run(send); err != nil {
						log.Fatalf("%s: %v", tool.name, err)
					}
					times[i] = append(times[i], time.Since(start))
				}
			}
			fmt.Printf("\n%s %s, %d MiB each (%d reps, median):\n", dirName, cs.name, cs.mib, *reps)
			for i, tool := range tools {
				d := median(times[i])
				fmt.Printf("  %-38s %8.1f MB/s  %6.2f s\n", tool.name, float64(total)/d.Seconds()/1e6, d.Seconds())
			}
		}
		c.Close()
	}
}

type bench struct {
	srv  *opensshd.Server
	work string
}

func (b *bench) remote(i int) string { return filepath.Join(b.work, "remote", strconv.Itoa(i), "file") }

func (b *bench) local() string { return filepath.Join(b.work, "local", "file") }

// clean removes what the previous run wrote on the receiving side.
func (b *bench) clean(send bool) {
	if send {
		os.RemoveAll(filepath.Join(b.work, "remote"))
		os.MkdirAll(filepath.Join(b.work, "remote"), 0o777)
		os.Chmod(filepath.Join(b.work, "remote"), 0o777)
	} else {
		os.RemoveAll(filepath.Join(b.work, "local"))
		os.MkdirAll(filepath.Join(b.work, "local"), 0o755)
	}
}

func (b *bench) paths(n int) []pssh.CopyPaths {
	p := make([]pssh.CopyPaths, n)
	for i := range p {
		p[i].Remote = b.remote(i)
	}
	return p
}

func (b *bench) psshSFTP(c *pssh.Client, src string, n int, send bool) error {
	opt := &pssh.CopyOptions{HostPaths: b.paths(n)}
	if send {
		_, err := c.CopyFile(context.Background(), src, "", opt)
		return err
	}
	_, err := c.CopyRemoteFile(context.Background(), "", b.local(), opt)
	return err
}

func (b *bench) psshSCP(c *pssh.Client, src string, n int, send bool) error {
	opt := &pssh.CopyOptions{HostPaths: b.paths(n)}
	if send {
		_, err := c.SCPSend(context.Background(), src, "", opt)
		return err
	}
	_, err := c.SCPRecv(context.Background(), "", b.local(), opt)
	return err
}

// openssh runs one OpenSSH scp or sftp process per host, all at once.
func (b *bench) openssh(tool, src string, hosts []string, send bool) error {
	errs := make([]error, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		ip := strings.Split(h, ":")[0]
		remote, local := b.remote(i), b.local()+"_"+strconv.Itoa(i)
		wg.Go(func() {
			common := []string{"-q", "-i", b.srv.ClientKeyFile, "-o", "UserKnownHostsFile=" + b.srv.KnownHostsFile,
				"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-P", strconv.Itoa(b.srv.Port)}
			var cmd *exec.Cmd
			switch {
			case tool == "scp" && send:
				mkdirShared(filepath.Dir(remote))
				cmd = exec.Command("scp", append(common, src, b.srv.User+"@"+ip+":"+remote)...)
			case tool == "scp":
				cmd = exec.Command("scp", append(common, b.srv.User+"@"+ip+":"+remote, local)...)
			default:
				batch := fmt.Sprintf("get %s %s\n", remote, local)
				if send {
					mkdirShared(filepath.Dir(remote))
					batch = fmt.Sprintf("put %s %s\n", src, remote)
				}
				cmd = exec.Command("sftp", append(common, "-b", "-", b.srv.User+"@"+ip)...)
				cmd.Stdin = strings.NewReader(batch)
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("%v: %v: %s", cmd.Args, err, out)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func writeRandom(p string, n int64) error {
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	buf := make([]byte, 4<<20)
	for n > 0 {
		k := min(n, int64(len(buf)))
		rand.Read(buf[:k])
		if _, err := f.Write(buf[:k]); err != nil {
			f.Close()
			return err
		}
		n -= k
	}
	return f.Close()
}

// mkdirShared makes a directory the remote user may write to.
func mkdirShared(d string) {
	os.MkdirAll(d, 0o777)
	os.Chmod(d, 0o777)
}

// ensureUser creates the local account name, without a home directory and
// with shell /bin/sh, if it does not exist.
func ensureUser(name string) {
	if exec.Command("id", name).Run() == nil {
		return
	}
	out, err := exec.Command("useradd", "-M", "-d", "/nonexistent", "-s", "/bin/sh", name).CombinedOutput()
	if err != nil {
		log.Fatalf("useradd %s: %v: %s", name, err, out)
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func version(cmd string, args ...string) string {
	out, _ := exec.Command(cmd, args...).CombinedOutput()
	return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
}
