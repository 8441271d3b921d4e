package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

func main() {
	makefile := flag.String("makefile", "../feeds/net/uciknock/Makefile", "the feed Makefile that describes the packages")
	luci := flag.String("luci", "../feeds/luci/luci-app-uciknock/Makefile", "the feed Makefile of the LuCI app (luci.mk)")
	filesDir := flag.String("files", "../files", "the repository's files/ directory")
	cross := flag.String("cross", "../build/cross", "the output of make cross")
	out := flag.String("out", "../build/packages", "where the .ipk files go (one directory per architecture)")
	epoch := flag.String("mtime", os.Getenv("SOURCE_DATE_EPOCH"), "file times, seconds since 1970 (default: now)")
	flag.Parse()
	if err := run(os.Stdout, *makefile, *luci, *filesDir, *cross, *out, *epoch); err != nil {
		fmt.Fprintln(os.Stderr, "ipk:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, makefile, luciMakefile, filesDir, cross, out, epoch string) error {
	mtime := time.Now().UTC().Truncate(time.Second)
	if epoch != "" {
		sec, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return fmt.Errorf("-mtime %q: %w", epoch, err)
		}
		mtime = time.Unix(sec, 0).UTC()
	}
	pkgs, err := ReadSpec(makefile)
	if err != nil {
		return err
	}
	luci, err := ReadLuCISpec(luciMakefile)
	if err != nil {
		return err
	}
	scriptDir, err := os.MkdirTemp("", "ipk-scripts")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scriptDir)
	scripts, err := WriteScripts(scriptDir)
	if err != nil {
		return err
	}
	// build writes one package into dir and lists it with its size.
	build := func(p Package, arch, binDir, dir string) error {
		path, err := Build(p, arch, binDir, filesDir, scripts, dir, mtime)
		if err != nil {
			return err
		}
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %-70s %9d\n", path, info.Size())
		return nil
	}
	for _, t := range Targets {
		dir := filepath.Join(out, t.Arch)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for _, p := range pkgs {
			if err := build(p, t.Arch, filepath.Join(cross, t.Cross), dir); err != nil {
				return err
			}
		}
	}
	// The LuCI app is the same on every router: one package, in all/.
	dir := filepath.Join(out, luci.Arch)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return build(luci, luci.Arch, "", dir)
}
