package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// runTransfer builds and runs bench/transfer (pssh's SFTP and SCP against
// OpenSSH's scp and sftp, on its own sshd) with -reps reps and args, and
// returns its report as a markdown section. Its output is also copied to
// standard error as it comes.
func runTransfer(ctx context.Context, root, tmp string, reps int, args []string) (string, error) {
	bin := filepath.Join(tmp, "transfer")
	if err := goBuild(root, "./bench/transfer", bin); err != nil {
		return "", err
	}
	argv := append([]string{"-reps", strconv.Itoa(reps)}, args...)
	cmd := exec.CommandContext(ctx, bin, argv...)
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, os.Stderr)
	cmd.Stderr = io.MultiWriter(&out, os.Stderr)
	if err := cmd.Run(); err != nil {
		return "", err
	}
	return transferSection(shellQuote(append([]string{"go", "run", "./bench/transfer"}, argv...)), out.String()), nil
}

// transferSection wraps bench/transfer's report in a markdown section.
func transferSection(command, report string) string {
	return fmt.Sprintf("### File transfer: SFTP and SCP, send and fetch\n\n"+
		"From `%s` (its own sshd; MB/s of file content, medians):\n\n```\n%s\n```\n",
		command, bytes.TrimSpace([]byte(report)))
}
