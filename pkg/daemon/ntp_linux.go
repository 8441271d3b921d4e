package daemon

import "golang.org/x/sys/unix"

// ntpSynchronised reports whether the kernel's clock discipline says the
// clock is synchronised: adjtimex without STA_UNSYNC (busybox ntpd, as
// OpenWrt's sysntpd runs it, clears it once it disciplines the clock; a
// clock set by `date` or sysfixtime has it set).
func ntpSynchronised() bool {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	return err == nil && state != unix.TIME_ERROR && tx.Status&unix.STA_UNSYNC == 0
}
