package main

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// versionText is what pssh --version prints: the module's version (as
// the build recorded it, or as set with -ldflags "-X main.version=..."),
// the VCS revision it was built from, and the Go version.
func versionText() string {
	info, ok := debug.ReadBuildInfo()
	return formatVersion(version, info, ok)
}

// formatVersion is versionText for the version set at link time and the
// build information, if ok.
func formatVersion(version string, info *debug.BuildInfo, ok bool) string {
	var b strings.Builder
	v := version
	if v == "devel" && ok && info.Main.Version != "" {
		v = info.Main.Version
	}
	fmt.Fprintf(&b, "pssh %s\n", v)
	if !ok {
		return b.String()
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		fmt.Fprintf(&b, "revision %s", rev)
		if t := settings["vcs.time"]; t != "" {
			fmt.Fprintf(&b, " (%s)", t)
		}
		if settings["vcs.modified"] == "true" {
			b.WriteString(", modified")
		}
		b.WriteString("\n")
	} else {
		b.WriteString("revision unknown: built without VCS information (-buildvcs=false, or a git worktree)\n")
	}
	fmt.Fprintf(&b, "%s %s\n", info.Main.Path, info.GoVersion)
	return b.String()
}
