package opensshd

import (
	"regexp"
	"strconv"

	"github.com/gopssh/pssh/internal/childenv"
)

// versionPattern matches the version sshd -V prints, e.g. "OpenSSH_9.2p1".
const versionPattern = `OpenSSH_(\d+)\.(\d+)`

// sshdVersion is an OpenSSH release number such as 9.2.
type sshdVersion struct {
	major, minor int
}

// atLeast reports whether v is major.minor or newer.
func (v sshdVersion) atLeast(major, minor int) bool {
	return v.major > major || (v.major == major && v.minor >= minor)
}

// detectVersion asks the sshd at path for its version. The zero version is
// returned when it cannot be told; older sshd without -V still print their
// version in the usage message.
func detectVersion(path string) sshdVersion {
	out, _ := childenv.Command(path, "-V").CombinedOutput()
	m := regexp.MustCompile(versionPattern).FindSubmatch(out)
	if m == nil {
		return sshdVersion{}
	}
	major, _ := strconv.Atoi(string(m[1]))
	minor, _ := strconv.Atoi(string(m[2]))
	return sshdVersion{major: major, minor: minor}
}
