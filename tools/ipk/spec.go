package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
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
	Binary      File     // the Go binary: Src is its name in the cross build directory; none if Src is ""
	SourceName  string   // PKG_NAME
	Maintainer  string
	License     string // PKG_LICENSE, if set
	// Arch is "all" for a package without a binary (built once), "" for
	// one built for each of Targets.
	Arch string
	// SrcDir, if set, is the directory Files' Src are relative to (else
	// the repository's files/).
	SrcDir string
	// PostinstPkg is the package's own postinst (OpenWrt's
	// Package/<name>/postinst), which the generic postinst runs.
	PostinstPkg string
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
	for _, v := range []string{"PKG_NAME", "PKG_VERSION", "PKG_RELEASE", "PKG_MAINTAINER"} {
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
		p := Package{Name: name, Version: vars["PKG_VERSION"] + "-" + vars["PKG_RELEASE"],
			SourceName: vars["PKG_NAME"], Maintainer: vars["PKG_MAINTAINER"]}
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

// luci.mk's defaults for what a LuCI app's Makefile leaves unset (the luci
// feed's luci.mk: LUCI_SECTION, LUCI_URL, LUCI_MAINTAINER, PKG_RELEASE).
const (
	luciSection    = "luci"
	luciURL        = "https://github.com/openwrt/luci"
	luciMaintainer = "OpenWrt LuCI community"
)

// luciPostinst is the postinst luci.mk gives every LuCI package that does
// not define its own, as OpenWrt's package-pack.mk writes it into the
// package (CONTROL/postinst-pkg, which default_postinst runs): on a
// running router it drops LuCI's menu index and module caches and makes
// rpcd reread its ACL and plugin files; inside an image root
// ($IPKG_INSTROOT) it does nothing.
const luciPostinst = `[ -n "${IPKG_INSTROOT}" ] || { rm -f /tmp/luci-indexcache.*
	rm -rf /tmp/luci-modulecache/
	killall -HUP rpcd 2>/dev/null
	exit 0
}
`

// luciVars are the variables of a LuCI app's Makefile that ReadLuCISpec
// reads; any other LUCI_ or PKG_ variable would change the package in a
// way it does not know, and is refused.
var luciVars = map[string]bool{
	"PKG_VERSION": true, "PKG_RELEASE": true, "PKG_LICENSE": true, "PKG_MAINTAINER": true,
	"LUCI_TITLE": true, "LUCI_DESCRIPTION": true, "LUCI_DEPENDS": true, "LUCI_PKGARCH": true,
	"LUCI_SECTION": true, "LUCI_URL": true, "LUCI_MAINTAINER": true,
}

// ReadLuCISpec reads a LuCI app's feed Makefile (one that includes the
// luci feed's luci.mk) and the app's files beside it, and returns the
// package luci.mk would build: name of the Makefile's directory, VERSION
// PKG_VERSION-PKG_RELEASE, the control fields luci.mk sets from the LUCI_
// variables (with its defaults), DEPENDS libc and LUCI_DEPENDS, ./htdocs
// installed under /www and ./root under /, modes as luci.mk's `cp -pR`
// keeps them from a checkout (0755 for an executable, else 0644), and
// luci.mk's postinst. What this tool does not reproduce (Lua sources,
// translations, a compiled src/, a package's own scripts) is an error.
func ReadLuCISpec(path string) (Package, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Package{}, err
	}
	dir := filepath.Dir(path)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Package{}, err
	}
	name := filepath.Base(abs)
	if !nameRe.MatchString(name) {
		return Package{}, fmt.Errorf("%s: package name %q (the directory's name)", path, name)
	}
	vars := map[string]string{}
	included := false
	for i, line := range strings.Split(strings.ReplaceAll(string(data), "\\\n", " "), "\n") {
		trimmed := strings.TrimSpace(line)
		where := fmt.Sprintf("%s:%d", path, i+1)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			continue
		case trimmed == "include $(TOPDIR)/rules.mk":
			continue
		case trimmed == "include $(TOPDIR)/feeds/luci/luci.mk":
			included = true
			continue
		case strings.HasPrefix(trimmed, "define "), strings.Contains(trimmed, "+="):
			// A Package/<name>/postinst, /install … of its own, or an
			// addition to a variable, would change what luci.mk builds.
			return Package{}, fmt.Errorf("%s: %q: tools/ipk only reads LUCI_ and PKG_ assignments", where, trimmed)
		}
		a := assignRe.FindStringSubmatch(trimmed)
		if a == nil || !luciVars[a[1]] || included {
			return Package{}, fmt.Errorf("%s: %q: tools/ipk only reads %s before the luci.mk include", where, trimmed, strings.Join(sortedKeys(luciVars), " "))
		}
		if strings.Contains(a[2], "$") {
			return Package{}, fmt.Errorf("%s: %s refers to a make variable; tools/ipk takes literal values only", where, a[1])
		}
		vars[a[1]] = strings.TrimSpace(a[2])
	}
	if !included {
		return Package{}, fmt.Errorf("%s: does not include $(TOPDIR)/feeds/luci/luci.mk", path)
	}
	or := func(k, def string) string {
		if v := vars[k]; v != "" {
			return v
		}
		return def
	}
	if vars["PKG_VERSION"] == "" {
		// luci.mk would make up a version from the git history.
		return Package{}, fmt.Errorf("%s: PKG_VERSION is not set", path)
	}
	p := Package{
		Name:        name,
		SourceName:  name,
		Version:     vars["PKG_VERSION"] + "-" + or("PKG_RELEASE", "1"),
		Arch:        or("LUCI_PKGARCH", "all"),
		Section:     or("LUCI_SECTION", luciSection),
		URL:         or("LUCI_URL", luciURL),
		Maintainer:  or("LUCI_MAINTAINER", luciMaintainer),
		License:     vars["PKG_LICENSE"],
		Title:       or("LUCI_TITLE", "LuCI "+name+" "+luciType(name)),
		Description: strings.Join(strings.Fields(vars["LUCI_DESCRIPTION"]), " "),
		SrcDir:      dir,
		PostinstPkg: luciPostinst,
	}
	if p.Arch != "all" {
		return Package{}, fmt.Errorf("%s: LUCI_PKGARCH %q: tools/ipk builds architecture-independent LuCI apps only", path, p.Arch)
	}
	if p.Description == "" {
		return Package{}, fmt.Errorf("%s: LUCI_DESCRIPTION is not set", path)
	}
	// OpenWrt's package-defaults.mk (PKG_FIXUP_DEPENDS) puts libc first in
	// every package's DEPENDS but kernel modules', LuCI apps' too.
	deps := []string{"+libc"}
	for _, d := range strings.Fields(vars["LUCI_DEPENDS"]) {
		if d != "+libc" {
			deps = append(deps, d)
		}
	}
	if p.Depends, err = opkgDepends(strings.Join(deps, " ")); err != nil {
		return Package{}, fmt.Errorf("%s: LUCI_%w", path, err)
	}
	for _, sub := range []string{"luasrc", "ucode", "src", "po"} {
		if _, err := os.Stat(filepath.Join(dir, sub)); err == nil {
			return Package{}, fmt.Errorf("%s: luci.mk would build %s/, which tools/ipk does not", path, sub)
		}
	}
	for _, m := range []struct{ sub, dst string }{{"htdocs", "/www"}, {"root", "/"}} {
		files, err := luciFiles(dir, m.sub, m.dst)
		if err != nil {
			return Package{}, fmt.Errorf("%s: %w", path, err)
		}
		p.Files = append(p.Files, files...)
	}
	if len(p.Files) == 0 {
		return Package{}, fmt.Errorf("%s: neither htdocs/ nor root/ has a file", path)
	}
	return p, nil
}

// luciType is luci.mk's LUCI_TYPE: the second word of the name (app in
// luci-app-x).
func luciType(name string) string {
	if w := strings.Split(name, "-"); len(w) > 1 {
		return w[1]
	}
	return ""
}

// luciFiles lists the files under dir/sub (a symlink to the app's
// directory is followed, as luci.mk's cp does) with their place under dst.
// The names package-pack.mk deletes from every package (CVS, .svn, .#*,
// *~) are left out; a symlink, device or empty directory is refused.
func luciFiles(dir, sub, dst string) ([]File, error) {
	top, err := filepath.EvalSymlinks(filepath.Join(dir, sub))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var files []File
	err = filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(top, p)
		base := d.Name()
		if base == "CVS" || base == ".svn" || strings.HasPrefix(base, ".#") || strings.HasSuffix(base, "~") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			entries, err := os.ReadDir(p)
			if err == nil && len(entries) == 0 {
				err = fmt.Errorf("%s/%s is an empty directory", sub, rel)
			}
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s/%s is not a regular file", sub, rel)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		files = append(files, File{Src: filepath.ToSlash(filepath.Join(sub, rel)), Dst: pathJoin(dst, filepath.ToSlash(rel)), Mode: mode})
		return nil
	})
	return files, err
}

func pathJoin(dir, rel string) string {
	return strings.TrimSuffix(dir, "/") + "/" + rel
}

func sortedKeys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
