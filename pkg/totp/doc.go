// Package totp derives time-based knock ports from a shared secret. It is
// the one implementation of the derivation, shared by the knock engine
// (pkg/knock) and the uciknock client, so both sides always agree.
//
// The derivation, exactly (so that any third-party client can implement
// it):
//
//	secret   = base32-decoded shared secret (RFC 4648), at least 16 bytes
//	C        = floor(unix_seconds / period)          RFC 6238, T0 = 0, period 30 s by default
//	HOTP(K,c)= RFC 4226: h = HMAC-SHA-1(K, 8-byte big-endian c);
//	           o = h[19] & 0x0f; v = (h[o..o+3] as big-endian uint32) & 0x7fffffff
//	port[i]  = min + HOTP(secret, C*256 + i) mod (max - min + 1),   i = 0 .. n-1
//
// Each port uses its own HOTP counter, C*256+i, so n may be up to 256 and
// ports of different steps never share an HMAC input. Ports may repeat
// within a sequence. The modulo bias is below 2^-15 for any port range.
// The server accepts the sequences of C-1, C and C+1.
//
// In Python:
//
//	import hmac, hashlib, struct, time, base64
//	def hotp(k, c):
//	    h = hmac.new(k, struct.pack(">Q", c), hashlib.sha1).digest()
//	    o = h[19] & 15
//	    return struct.unpack(">I", h[o:o+4])[0] & 0x7fffffff
//	def ports(k, n, lo, hi, period=30, now=None):
//	    c = int((now or time.time()) // period)
//	    return [lo + hotp(k, c*256 + i) % (hi - lo + 1) for i in range(n)]
//
// It is also the one home of a TOTP sequence's defaults and limits
// (DefaultLength, DefaultPortMin/Max, DefaultPeriod; CheckLength,
// CheckPeriod, CheckPorts), used by the daemon's config and the knock
// client alike: a step of 5 s to 1 h in whole seconds, 1 to 32 knocks, a
// port range of at least 16 ports.
//
// The package does not read the clock, keep state, or decide which steps
// are still acceptable; pkg/knock does that.
//
// Example:
//
//	secret, err := totp.DecodeSecret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
//	if err != nil { ... }
//	c := totp.Counter(now, totp.DefaultPeriod)
//	ports := totp.Ports(secret, c, 3, 40000, 49999) // knock these, in order
package totp
