// Package browsertest drives the real LuCI (uhttpd, rpcd, ubusd from
// ../shared/openwrt) with luci-app-uciknock installed in headless Chromium,
// against the real uciknockd: the form writes /etc/config/knock, the
// daemon's validator's errors appear at their fields, and a door opened by
// a real knock in a test namespace is shown and closed from the browser.
//
// It is its own module because chromedp needs a newer Go than the go 1.23
// the main module keeps for OpenWrt 24.10's toolchain. Run it with
// `make luci-test` (as root; CI=true makes every missing piece a failure).
package browsertest
