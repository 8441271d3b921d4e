'use strict';
'require baseclass';
'require rpc';
'require uci';

// Shared by the uciknock views: the rpcd calls, the knock config as the
// text the daemon's validator reads, and TOTP secrets made in the browser.

var callStatus = rpc.declare({
	object: 'uciknock',
	method: 'status',
	expect: { '': {} }
});

var callCheck = rpc.declare({
	object: 'uciknock',
	method: 'check',
	params: [ 'config' ],
	expect: { '': {} }
});

var callClose = rpc.declare({
	object: 'uciknock',
	method: 'close',
	params: [ 'target' ],
	expect: { '': {} }
});

var disabledWords = { '0': true, 'no': true, 'off': true, 'false': true, 'disabled': true };

function quote(v) {
	return "'" + String(v).replace(/'/g, "'\\''") + "'";
}

return baseclass.extend({
	callStatus: callStatus,
	callClose: callClose,

	isEnabled: function(v) {
		return v == null || !disabledWords[String(v).toLowerCase()];
	},

	// serialize writes the knock package as LuCI would commit it (loaded
	// values plus every change not yet saved) in libuci's file syntax.
	// paths maps the UCI paths the daemon reports (`@sequence[2]`, `ssh`)
	// to LuCI section ids.
	serialize: function() {
		var lines = [], paths = {}, count = {};

		uci.sections('knock').forEach(function(s) {
			var type = s['.type'],
			    idx = count[type] || 0;

			count[type] = idx + 1;
			paths['@' + type + '[' + idx + ']'] = s['.name'];
			paths[s['.name']] = s['.name'];

			lines.push(s['.anonymous'] ? 'config ' + type : 'config ' + type + ' ' + quote(s['.name']));
			Object.keys(s).forEach(function(opt) {
				if (opt.charAt(0) == '.')
					return;
				if (Array.isArray(s[opt]))
					s[opt].forEach(function(v) { lines.push('\tlist ' + opt + ' ' + quote(v)); });
				else
					lines.push('\toption ' + opt + ' ' + quote(s[opt]));
			});
			lines.push('');
		});

		return { text: lines.join('\n'), paths: paths };
	},

	// check runs `uciknockd check --json` on the configuration as it would
	// be saved; every error gets the LuCI section id (`sid`) it names.
	check: function() {
		var cfg = this.serialize();

		return callCheck(cfg.text).then(function(res) {
			res.errors = (res.errors || []).map(function(e) {
				e.sid = cfg.paths[e.section] || null;
				return e;
			});
			return res;
		});
	},

	// generateSecret makes a 160-bit TOTP secret (RFC 4226's recommended
	// length) with WebCrypto, base32 without padding. It never leaves the
	// browser except to be saved on this router.
	generateSecret: function() {
		var alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567',
		    bytes = new Uint8Array(20),
		    out = '', bits = 0, acc = 0;

		window.crypto.getRandomValues(bytes);
		for (var i = 0; i < bytes.length; i++) {
			acc = (acc << 8) | bytes[i];
			bits += 8;
			while (bits >= 5) {
				out += alphabet.charAt((acc >>> (bits - 5)) & 31);
				bits -= 5;
			}
			acc &= (1 << bits) - 1;
		}
		if (bits > 0)
			out += alphabet.charAt((acc << (5 - bits)) & 31);
		return out;
	},

	// knockKind says which option defines a sequence's knocks.
	knockKind: function(s) {
		if (s.totp_secret != null) return 'totp';
		if (s.one_time_sequences != null) return 'onetime';
		if (s.one_time_file != null) return 'onetimefile';
		return 'static';
	},

	// knockList is the `sequence` option as words, whether it was written
	// as one option or as a list, blank- or comma-separated.
	knockList: function(v) {
		if (v == null) return [];
		return (Array.isArray(v) ? v.join(' ') : String(v)).split(/[\s,]+/).filter(function(w) { return w != ''; });
	},

	// action is the effective action (the daemon's default rule).
	action: function(s) {
		if (s.action) return s.action;
		return s.start_command ? 'command' : 'open';
	}
});
