package groups

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/gopssh/pssh/internal/childenv"
)

// clusterShellDirs returns the directories holding groups.conf by
// default, in decreasing order of precedence.
func clusterShellDirs() []string {
	var dirs []string
	if d := os.Getenv("CLUSTERSHELL_CFGDIR"); d != "" {
		dirs = append(dirs, d)
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		dirs = append(dirs, filepath.Join(d, "clustershell"))
	} else if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".config", "clustershell"))
	}
	return append(dirs, "/etc/clustershell")
}

// confFile is one groups.conf-style file: its sections in order, each
// with its settings, and its directory ($CFGDIR).
type confFile struct {
	path, dir string
	sections  []confSection
}

type confSection struct {
	name     string
	settings map[string]string
}

// loadClusterShell reads ClusterShell's configuration: the groups.conf of
// each directory, the .conf files of confdir and the YAML files of
// autodir. It returns the sources, in the order they were defined, and
// the default source's name. Without any groups.conf, as clush, it
// returns none.
func loadClusterShell(opts Options) ([]Source, string, error) {
	dirs := opts.ClusterShellDirs
	if dirs == nil {
		dirs = clusterShellDirs()
	}
	if len(dirs) == 0 {
		return nil, "", nil
	}
	shell := opts.Shell
	if shell == "" {
		shell = "/bin/sh"
	}
	var mains []*confFile
	for _, d := range dirs {
		f, err := readConf(filepath.Join(d, "groups.conf"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		mains = append(mains, f)
	}
	if len(mains) == 0 {
		return nil, "", nil
	}
	// [Main]: for each setting, the first file that has it; $CFGDIR is
	// that file's directory.
	system := dirs[len(dirs)-1]
	main := map[string]string{
		"confdir": system + "/groups.conf.d $CFGDIR/groups.conf.d",
		"autodir": system + "/groups.d $CFGDIR/groups.d",
	}
	mainDir := map[string]string{"confdir": mains[0].dir, "autodir": mains[0].dir}
	for i := len(mains) - 1; i >= 0; i-- {
		for _, s := range mains[i].sections {
			if strings.EqualFold(s.name, "Main") {
				for k, v := range s.settings {
					if k == "groupsdir" { // ClusterShell 1.6's name for confdir
						k = "confdir"
					}
					main[k], mainDir[k] = v, mains[i].dir
				}
			}
		}
	}
	var (
		sources []Source
		seen    = map[string]bool{}
	)
	addUpcalls := func(f *confFile) {
		for _, s := range f.sections {
			if strings.EqualFold(s.name, "Main") {
				continue
			}
			// "[a,b]" defines sources a and b with the same commands.
			for name := range strings.SplitSeq(s.name, ",") {
				name = strings.TrimSpace(name)
				if name == "" || seen[name] {
					continue
				}
				seen[name] = true
				sources = append(sources, &upcallSource{name: name, dir: f.dir, shell: shell, upcalls: s.settings})
			}
		}
	}
	for _, f := range mains {
		addUpcalls(f)
	}
	for _, p := range dirFiles(main["confdir"], mainDir["confdir"], "*.conf") {
		f, err := readConf(p)
		if errors.Is(err, fs.ErrPermission) {
			continue // as clush: unreadable files are skipped
		}
		if err != nil {
			return nil, "", err
		}
		addUpcalls(f)
	}
	for _, p := range dirFiles(main["autodir"], mainDir["autodir"], "*.yaml") {
		ys, err := readYAMLSources(p)
		if errors.Is(err, fs.ErrPermission) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		for _, s := range ys {
			if !seen[s.name] {
				seen[s.name] = true
				sources = append(sources, s)
			}
		}
	}
	def := main["default"]
	if def == "" && len(sources) > 0 {
		def = sources[0].Name()
	}
	return sources, def, nil
}

// dirFiles returns the files matching pattern in the directories of a
// confdir or autodir setting, $CFGDIR replaced by cfgdir; each directory
// once, its files sorted.
func dirFiles(setting, cfgdir, pattern string) []string {
	var dirs, files []string
	for _, d := range strings.Fields(setting) {
		d = substitute(d, map[string]string{"CFGDIR": cfgdir})
		if slices.Contains(dirs, d) {
			continue
		}
		dirs = append(dirs, d)
		matches, _ := filepath.Glob(filepath.Join(d, pattern))
		files = append(files, matches...)
	}
	return files
}

// readConf reads a file in the style of Python's configparser, as
// ClusterShell does: "[section]" headers, "key: value" or "key = value",
// indented lines continuing a value, "#" and ";" comment lines. Keys are
// lower-cased.
func readConf(path string) (*confFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := &confFile{path: path, dir: filepath.Dir(path)}
	var (
		cur     *confSection
		lastKey string
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';':
			continue
		case line[0] == ' ' || line[0] == '\t':
			if cur == nil || lastKey == "" {
				return nil, &FileError{path, n, errors.New("continuation line outside a setting")}
			}
			cur.settings[lastKey] += "\n" + trimmed
			continue
		case trimmed[0] == '[':
			if !strings.HasSuffix(trimmed, "]") {
				return nil, &FileError{path, n, fmt.Errorf("bad section header %q", trimmed)}
			}
			f.sections = append(f.sections, confSection{name: strings.TrimSpace(trimmed[1 : len(trimmed)-1]), settings: map[string]string{}})
			cur, lastKey = &f.sections[len(f.sections)-1], ""
			continue
		}
		if cur == nil {
			return nil, &FileError{path, n, errors.New("setting before any [section]")}
		}
		i := strings.IndexAny(trimmed, ":=")
		if i <= 0 {
			return nil, &FileError{path, n, fmt.Errorf("not a setting: %q", trimmed)}
		}
		lastKey = strings.ToLower(strings.TrimSpace(trimmed[:i]))
		cur.settings[lastKey] = strings.TrimSpace(trimmed[i+1:])
	}
	return f, sc.Err()
}

// upcallSource is a source whose groups external commands give: map
// (the hosts of $GROUP), list (the groups), all (every host).
type upcallSource struct {
	name, dir, shell string
	upcalls          map[string]string

	mu     sync.Mutex
	listed []string // list's output, once run
}

func (s *upcallSource) Name() string { return s.name }

// Groups runs the list command; without one the source lists nothing.
func (s *upcallSource) Groups(ctx context.Context) ([]string, error) {
	if s.upcalls["list"] == "" {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listed == nil {
		out, err := s.run(ctx, "list", "")
		if err != nil {
			return nil, err
		}
		names := strings.Fields(out)
		slices.Sort(names)
		s.listed = slices.Compact(names)
	}
	return slices.Clone(s.listed), nil
}

// Members runs the map command for group, or for "*" the all command (or
// list, then map for each group). A map that prints nothing is a group
// the source does not have, unless list names it.
func (s *upcallSource) Members(ctx context.Context, group string) (string, bool, error) {
	if group == "*" {
		if s.upcalls["all"] != "" {
			out, err := s.run(ctx, "all", "")
			return joinFields(out), err == nil, err
		}
		names, err := s.Groups(ctx)
		if err != nil || len(names) == 0 {
			return "", false, err
		}
		refs := make([]string, len(names))
		for i, n := range names {
			refs[i] = "@" + s.name + ":" + n
		}
		return strings.Join(refs, ","), true, nil
	}
	if s.upcalls["map"] == "" {
		return "", false, nil
	}
	if !safeGroupName(group) {
		return "", false, fmt.Errorf("group source %s: group name %q has characters the shell would read", s.name, group)
	}
	out, err := s.run(ctx, "map", group)
	if err != nil {
		return "", false, err
	}
	if list := joinFields(out); list != "" {
		return list, true, nil
	}
	names, err := s.Groups(ctx)
	if err != nil {
		return "", false, err
	}
	_, found := slices.BinarySearch(names, group)
	return "", found, nil
}

// run runs one upcall through the shell in the configuration's directory,
// its variables replaced as clush replaces them. A command that exits
// non-zero without a word on stdout or stderr has found nothing (as grep
// does); any other failure is a *CommandError.
func (s *upcallSource) run(ctx context.Context, upcall, group string) (string, error) {
	line := substitute(s.upcalls[upcall], map[string]string{"GROUP": group, "SOURCE": s.name, "CFGDIR": s.dir})
	cmd := childenv.CommandContext(ctx, s.shell, "-c", line)
	cmd.Dir = s.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && stdout.Len() == 0 && stderr.Len() == 0 && ctx.Err() == nil {
		return "", nil
	}
	if err != nil {
		msg := stderr.String()
		if len(msg) > 512 {
			msg = msg[len(msg)-512:]
		}
		return "", &CommandError{Source: s.name, Upcall: upcall, Command: line, Stderr: msg, Err: err}
	}
	return stdout.String(), nil
}

// safeGroupName reports whether name can go into a shell command line
// unquoted, as clush puts it: letters, digits and . _ + - / only.
func safeGroupName(name string) bool {
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("._+-/", c):
		default:
			return false
		}
	}
	return name != ""
}

// joinFields turns a command's output, host lists separated by white
// space or new lines, into one list.
func joinFields(out string) string { return strings.Join(strings.Fields(out), ",") }

// substitute replaces $NAME and ${NAME} for the names of vars, leaving
// every other "$" as it is (for the shell), as Python's
// Template.safe_substitute.
func substitute(s string, vars map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' {
			rest := s[i+1:]
			matched := false
			for name, v := range vars {
				switch {
				case strings.HasPrefix(rest, "{"+name+"}"):
					b.WriteString(v)
					i += len(name) + 2
					matched = true
				case strings.HasPrefix(rest, name) && !isIdentByte(rest, len(name)):
					b.WriteString(v)
					i += len(name)
					matched = true
				}
				if matched {
					break
				}
			}
			if matched {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// isIdentByte reports whether s[i] continues an identifier.
func isIdentByte(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	c := s[i]
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
