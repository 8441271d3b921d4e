package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/files"
	"github.com/goreleaser/nfpm/v2/ipk"
)

// Target is an OpenWrt package architecture and the `make cross`
// directory whose binaries run on it.
type Target struct {
	Arch  string // opkg architecture (`opkg print-architecture`)
	Cross string // directory under build/cross
}

// Targets are the architectures `make packages` builds for: the common
// router CPUs, each with the Go settings golang-values.mk picks for it
// (mips/mipsel without FPU: softfloat; cortex-a7 has VFPv4: GOARM=7).
var Targets = []Target{
	{"mips_24kc", "linux-mips"},
	{"mipsel_24kc", "linux-mipsle"},
	{"arm_cortex-a7", "linux-armv7"},
	{"aarch64_cortex-a53", "linux-arm64"},
	{"x86_64", "linux-amd64"},
}

// The control scripts OpenWrt's include/package-pack.mk writes into every
// ipk: they hand over to the router's default_postinst/default_prerm.
const (
	postinst = `#!/bin/sh
[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0
[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0
. ${IPKG_INSTROOT}/lib/functions.sh
default_postinst $0 $@
`
	prerm = `#!/bin/sh
[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0
. ${IPKG_INSTROOT}/lib/functions.sh
default_prerm $0 $@
`
)

// FileName is the name ipkg-build gives the package.
func FileName(p Package, arch string) string {
	return p.Name + "_" + p.Version + "_" + arch + ".ipk"
}

// WriteScripts writes postinst and prerm into dir, once for every
// package Build makes, and returns them as nfpm's scripts.
func WriteScripts(dir string) (nfpm.Scripts, error) {
	for name, text := range map[string]string{"postinst": postinst, "prerm": prerm} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o755); err != nil {
			return nfpm.Scripts{}, err
		}
	}
	return nfpm.Scripts{PostInstall: filepath.Join(dir, "postinst"), PreRemove: filepath.Join(dir, "prerm")}, nil
}

// Build writes p for arch into out and returns its path. binDir holds
// the binary, filesDir the repository's files/ (p.SrcDir, if set, instead),
// scripts the control scripts from WriteScripts; mtime is every file's
// time (reproducible output).
func Build(p Package, arch, binDir, filesDir string, scripts nfpm.Scripts, out string, mtime time.Time) (string, error) {
	owned := func(mode os.FileMode) *files.ContentFileInfo {
		return &files.ContentFileInfo{Owner: "root", Group: "root", Mode: mode, MTime: mtime}
	}
	conf := map[string]bool{}
	for _, c := range p.Conffiles {
		conf[c] = true
	}
	var contents files.Contents
	if p.Binary.Src != "" {
		contents = append(contents, &files.Content{Source: filepath.Join(binDir, p.Binary.Src), Destination: p.Binary.Dst, Type: files.TypeFile, FileInfo: owned(p.Binary.Mode)})
	}
	if p.SrcDir != "" {
		filesDir = p.SrcDir
	}
	for _, f := range p.Files {
		typ := files.TypeFile
		if conf[f.Dst] {
			// opkg keeps a changed conffile on upgrade (the new one goes
			// beside it as -opkg), as with the feed's own package.
			typ = files.TypeConfig
			delete(conf, f.Dst)
		}
		contents = append(contents, &files.Content{Source: filepath.Join(filesDir, f.Src), Destination: f.Dst, Type: typ, FileInfo: owned(f.Mode)})
	}
	if len(conf) != 0 {
		return "", fmt.Errorf("%s: conffiles %v are not installed by the package", p.Name, conf)
	}
	fields := map[string]string{"SourceName": p.SourceName, "URL": p.URL}
	info := nfpm.WithDefaults(&nfpm.Info{
		Name:     p.Name,
		Arch:     arch,
		Platform: "linux",
		Version:  p.Version,
		// OpenWrt's version is the whole "0.1.0-1"; nfpm's default
		// semver schema would read "-1" as a prerelease ("0.1.0~1").
		VersionSchema: "none",
		Section:       p.Section,
		Maintainer:    p.Maintainer,
		License:       p.License, // left out when empty
		Description:   p.Title + "\n" + p.Description,
		MTime:         mtime,
		Overridables: nfpm.Overridables{
			Depends:  p.Depends,
			Contents: contents,
			// Every OpenWrt package carries both scripts, whatever it
			// installs.
			Scripts: scripts,
			IPK: nfpm.IPK{
				Arch:   arch,
				Fields: fields,
			},
		},
	})
	if err := nfpm.Validate(info); err != nil {
		return "", fmt.Errorf("%s %s: %w", p.Name, arch, err)
	}
	var buf bytes.Buffer
	if err := ipk.Default.Package(info, &buf); err != nil {
		return "", fmt.Errorf("%s %s: %w", p.Name, arch, err)
	}
	fixed, err := openwrtControl(buf.Bytes(), p.PostinstPkg)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", p.Name, arch, err)
	}
	path := filepath.Join(out, FileName(p, arch))
	return path, os.WriteFile(path, fixed, 0o644)
}

var installedSizeRe = regexp.MustCompile(`(?m)^Installed-Size: .*$`)

// openwrtControl makes nfpm's control archive what OpenWrt's
// ipkg-build writes: Installed-Size is the byte size of the uncompressed
// data tar (`zcat data.tar.gz | wc -c`), which opkg compares with the free
// space (nfpm writes the sum of file sizes in KiB, as dpkg wants it), an
// empty conffiles is left out, and the package's own postinst, if any,
// goes beside the generic one as postinst-pkg (package-pack.mk), where
// default_postinst finds it.
func openwrtControl(pkg []byte, postinstPkg string) ([]byte, error) {
	members, err := readTarGz(pkg)
	if err != nil {
		return nil, fmt.Errorf("outer archive: %w", err)
	}
	var dataSize int64
	for _, m := range members {
		if strings.TrimPrefix(m.hdr.Name, "./") == "data.tar.gz" {
			zr, err := gzip.NewReader(bytes.NewReader(m.body))
			if err != nil {
				return nil, fmt.Errorf("data.tar.gz: %w", err)
			}
			if dataSize, err = io.Copy(io.Discard, zr); err != nil {
				return nil, fmt.Errorf("data.tar.gz: %w", err)
			}
		}
	}
	for i, m := range members {
		if strings.TrimPrefix(m.hdr.Name, "./") != "control.tar.gz" {
			continue
		}
		inner, err := readTarGz(m.body)
		if err != nil {
			return nil, fmt.Errorf("control.tar.gz: %w", err)
		}
		field := []byte("Installed-Size: " + strconv.FormatInt(dataSize, 10))
		found := false
		for j, im := range inner {
			if strings.TrimPrefix(im.hdr.Name, "./") != "control" {
				continue
			}
			found = true
			if installedSizeRe.Match(im.body) {
				inner[j].body = installedSizeRe.ReplaceAll(im.body, field)
			} else {
				// nfpm leaves the field out below 1 KiB.
				inner[j].body = append(append(bytes.TrimRight(im.body, "\n"), '\n'), append(field, '\n')...)
			}
		}
		if !found {
			return nil, fmt.Errorf("control.tar.gz: no ./control")
		}
		// nfpm writes an empty conffiles (one newline) for a package
		// without any; ipkg-build leaves the file out.
		kept := inner[:0]
		for _, im := range inner {
			if strings.TrimPrefix(im.hdr.Name, "./") != "conffiles" || len(bytes.TrimSpace(im.body)) != 0 {
				kept = append(kept, im)
			}
		}
		inner = kept
		if postinstPkg != "" {
			var script *member
			for j := range inner {
				if strings.TrimPrefix(inner[j].hdr.Name, "./") == "postinst" {
					script = &inner[j]
				}
			}
			if script == nil {
				return nil, fmt.Errorf("control.tar.gz: no ./postinst")
			}
			h := *script.hdr
			h.Name = "./postinst-pkg"
			inner = append(inner, member{&h, []byte(postinstPkg)})
		}
		if members[i].body, err = writeTarGz(inner); err != nil {
			return nil, err
		}
	}
	return writeTarGz(members)
}

type member struct {
	hdr  *tar.Header
	body []byte
}

func readTarGz(b []byte) ([]member, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	var ms []member
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return ms, nil
		}
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		ms = append(ms, member{h, body})
	}
}

func writeTarGz(ms []member) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, m := range ms {
		h := *m.hdr
		h.Size = int64(len(m.body))
		if err := tw.WriteHeader(&h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(m.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
