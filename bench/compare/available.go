package main

import (
	"fmt"
	"os/exec"
)

// missingTool says why tool t cannot run on this machine ("" if it can):
// the program its fan-out (or streaming) job starts is not installed, or,
// for the asyncssh script, the Python module is missing.
func missingTool(t tool, ws *workspace) string {
	var j job
	switch {
	case t.fanout != nil:
		j = t.fanout(ws, 1, "true")
	case t.stream != nil:
		j = t.stream(ws, 1)
	default:
		return ""
	}
	if _, err := exec.LookPath(j.argv[0]); err != nil {
		return fmt.Sprintf("%s is not installed", j.argv[0])
	}
	if t.name == "asyncssh" {
		if err := exec.Command(ws.python, "-W", "ignore", "-c", "import asyncssh").Run(); err != nil {
			return fmt.Sprintf("%s has no asyncssh module", ws.python)
		}
	}
	return ""
}
