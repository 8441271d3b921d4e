package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Package is one package of the feed Makefile, as a control file and a
// file list describe it.
type Package struct {
	Name        string
	Version     string // PKG_VERSION-PKG_RELEASE, as OpenWrt 23.05/24.10 write it for opkg
	Section     string
	URL         string
	Title       string
	Description string   // one paragraph, lines joined
	Depends     []string // opkg package names
	Conffiles   []string // absolute paths
	Files       []File   // besides the binary
	Binary      File     // the Go binary: Src is its name in the cross build directory
}

// File is one installed file: Src relative to the repository's files/
// (or the binary's name), Dst its absolute path on the router.
type File struct {
	Src, Dst string
	Mode     os.FileMode
}

var (
	assignRe = regexp.MustCompile(`^([A-Za-z0-9_/]+)\s*\??:?=\s*(.*)$`)
	binRe    = regexp.MustCompile(`^\$\(INSTALL_BIN\)\s+\$\(GO_PKG_BUILD_BIN_DIR\)/(\S+)\s+\$\(1\)(\S+)$`)
	fileRe   = regexp.MustCompile(`^([a-z0-9._/-]+):(0[0-7]{3})$`)
	nameRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]*$`)
)

// ReadSpec reads the packages of the feed Makefile at path. It
// understands the subset of make the feed Makefile uses and fails on
// anything it would otherwise get wrong.
func ReadSpec(path string) ([]Package, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	vars := map[string]string{}
	defines := map[string][]string{}
	var order []string
	define := ""
	for i, line := range strings.Split(strings.ReplaceAll(string(data), "\\\n", " "), "\n") {
		trimmed := strings.TrimSpace(line)
		if name, ok := strings.CutPrefix(trimmed, "define "); ok {
			define = name
			defines[name] = []string{}
			continue
		}
		if trimmed == "endef" {
			define = ""
			continue
		}
		if define != "" {
			defines[define] = append(defines[define], trimmed)
			continue
		}
		if a := assignRe.FindStringSubmatch(trimmed); a != nil {
			vars[a[1]] = strings.TrimSpace(a[2])
		}
		if rest, ok := strings.CutPrefix(trimmed, "$(eval $(call BuildPackage,"); ok {
			name := strings.TrimSuffix(rest, "))")
			if !nameRe.MatchString(name) {
				return nil, fmt.Errorf("%s:%d: package name %q", path, i+1, name)
			}
			order = append(order, name)
		}
	}
	for _, v := range []string{"PKG_VERSION", "PKG_RELEASE"} {
		if vars[v] == "" {
			return nil, fmt.Errorf("%s: %s is not set", path, v)
		}
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("%s: no BuildPackage", path)
	}
	files, err := parseFiles(vars["UCIKNOCK_FILES"])
	if err != nil {
		return nil, fmt.Errorf("%s: UCIKNOCK_FILES: %w", path, err)
	}
	var pkgs []Package
	for _, name := range order {
		p := Package{Name: name, Version: vars["PKG_VERSION"] + "-" + vars["PKG_RELEASE"]}
		fields := map[string]string{}
		for _, l := range defines["Package/"+name] {
			if strings.HasPrefix(l, "$(call Package/") {
				// the shared Default block
				inner := strings.TrimSuffix(strings.TrimPrefix(l, "$(call "), ")")
				for _, dl := range defines[inner] {
					if a := assignRe.FindStringSubmatch(dl); a != nil {
						fields[a[1]] = a[2]
					}
				}
				continue
			}
			if a := assignRe.FindStringSubmatch(l); a != nil {
				fields[a[1]] = a[2]
			}
		}
		p.Section, p.URL, p.Title = fields["SECTION"], fields["URL"], fields["TITLE"]
		if p.Title == "" {
			return nil, fmt.Errorf("%s: Package/%s has no TITLE", path, name)
		}
		if p.Depends, err = opkgDepends(fields["DEPENDS"]); err != nil {
			return nil, fmt.Errorf("%s: Package/%s: %w", path, name, err)
		}
		p.Description = strings.Join(strings.Fields(strings.Join(defines["Package/"+name+"/description"], " ")), " ")
		if p.Description == "" {
			return nil, fmt.Errorf("%s: Package/%s has no description", path, name)
		}
		for _, c := range defines["Package/"+name+"/conffiles"] {
			if c != "" {
				p.Conffiles = append(p.Conffiles, c)
			}
		}
		for _, l := range defines["Package/"+name+"/install"] {
			if b := binRe.FindStringSubmatch(l); b != nil {
				if p.Binary.Src != "" {
					return nil, fmt.Errorf("%s: Package/%s installs two binaries", path, name)
				}
				p.Binary = File{Src: b[1], Dst: b[2], Mode: 0o755}
			}
			if strings.Contains(l, "$(UCIKNOCK_FILES)") {
				p.Files = files
			}
		}
		if p.Binary.Src == "" {
			return nil, fmt.Errorf("%s: Package/%s installs no binary", path, name)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

func parseFiles(list string) ([]File, error) {
	var files []File
	for _, f := range strings.Fields(list) {
		e := fileRe.FindStringSubmatch(f)
		if e == nil {
			return nil, fmt.Errorf("entry %q: want path:mode (etc/init.d/knock:0755)", f)
		}
		mode, _ := strconv.ParseUint(e[2], 8, 32)
		files = append(files, File{Src: e[1], Dst: "/" + e[1], Mode: os.FileMode(mode)})
	}
	return files, nil
}

// opkgDepends turns OpenWrt's DEPENDS into the Depends of the control
// file as include/package-pack.mk does: `+pkg` selects and depends on
// pkg, `pkg` only depends, `@…` (a build-time condition such as
// GO_ARCH_DEPENDS or a choice of firewall) is left out. Conditional
// dependencies (`+COND:pkg`) are refused: they depend on a .config this
// tool does not have.
func opkgDepends(s string) ([]string, error) {
	var deps []string
	for _, d := range strings.Fields(s) {
		switch {
		case d == "$(GO_ARCH_DEPENDS)", strings.HasPrefix(d, "@"):
			continue
		case strings.Contains(d, ":"), strings.Contains(d, "$"):
			return nil, fmt.Errorf("DEPENDS %q: only +pkg, pkg and @condition are understood", d)
		}
		name := strings.TrimPrefix(d, "+")
		if !nameRe.MatchString(name) {
			return nil, fmt.Errorf("DEPENDS %q: not a package name", d)
		}
		deps = append(deps, name)
	}
	return deps, nil
}
