package childenv

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWithout(t *testing.T) {
	env := []string{"PATH=/bin", "PSSH_PASSWORD=s3cret", "PSSH_PASSWORD_HINT=kept", "PSSH_PASSPHRASE=", "HOME=/h", "PSSH_PASSPHRASE=again"}
	got := Without(env)
	if want := []string{"PATH=/bin", "PSSH_PASSWORD_HINT=kept", "HOME=/h"}; !slices.Equal(got, want) {
		t.Errorf("Without(%q) = %q, want %q", env, got, want)
	}
	if env[1] != "PSSH_PASSWORD=s3cret" {
		t.Error("Without changed its argument")
	}
}

func TestCommand(t *testing.T) {
	t.Setenv(Password, "s3cret")
	t.Setenv(Passphrase, "phrase")
	t.Setenv("CHILDENV_CANARY", "yes")
	out, err := Command("sh", "-c", "env").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "CHILDENV_CANARY=yes") || strings.Contains(string(out), "s3cret") || strings.Contains(string(out), "phrase") {
		t.Errorf("child's environment: want the canary and no secret:\n%s", out)
	}
}

// TestEveryChildUsesCommand reads the module's non-test Go files: none
// starts a process with os/exec's Command, CommandContext or
// os.StartProcess but this package, so that every child gets Environ. The
// bench programs, which read no secret, are left out.
func TestEveryChildUsesCommand(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel == "bench" || rel == filepath.Join("internal", "childenv") || strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, p, src, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pkg, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			switch {
			case pkg.Name == "exec" && (sel.Sel.Name == "Command" || sel.Sel.Name == "CommandContext"),
				pkg.Name == "os" && sel.Sel.Name == "StartProcess",
				pkg.Name == "syscall" && (sel.Sel.Name == "ForkExec" || sel.Sel.Name == "Exec"):
				t.Errorf("%s: %s.%s: start children with childenv.Command (or give them childenv.Environ)", fset.Position(sel.Pos()), pkg.Name, sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
