package proc

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotFound is LookPath's error for a program that is not there or not
// executable.
var ErrNotFound = errors.New("executable file not found")

// LookPath finds a program as exec.LookPath does on Unix: a name with a
// slash is used as it is, if it is an executable file; a bare name is
// searched for in $PATH. Relative directories in $PATH are skipped (what
// exec.LookPath refuses as exec.ErrDot). The error wraps ErrNotFound or
// the file's error and names the program.
func LookPath(file string) (string, error) {
	if strings.Contains(file, "/") {
		if err := executable(file); err != nil {
			return "", &Error{Name: file, Err: err}
		}
		return file, nil
	}
	path := os.Getenv("PATH")
	for _, dir := range filepath.SplitList(path) {
		if !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, file)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", &Error{Name: file, Err: ErrNotFound}
}

func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fs.ErrPermission
	}
	return nil
}

// Error is a program LookPath did not find, as exec.Error.
type Error struct {
	Name string
	Err  error
}

func (e *Error) Error() string {
	if e.Err == ErrNotFound {
		return `"` + e.Name + `": executable file not found in $PATH`
	}
	return `"` + e.Name + `": ` + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }
