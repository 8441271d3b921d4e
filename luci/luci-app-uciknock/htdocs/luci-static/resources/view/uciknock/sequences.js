'use strict';
'require view';
'require dom';
'require form';
'require ui';
'require uci';
'require view.uciknock.common as common';
'require view.uciknock.fielderrors as fielderrors';

// Services → Port Knocking → Sequences: /etc/config/knock as a form. The
// browser checks what it can; on Save the daemon's own validator
// (`uciknockd check --json` through rpcd) sees the configuration as it
// would be committed, and nothing is saved while it reports an error.

var reDuration = /^[0-9]+(ms|s|m|h|d)?$/,
    reKnock = /^[0-9]+(:(tcp|udp))?$/i,
    reName = /^[A-Za-z0-9][A-Za-z0-9_-]*$/,
    reZone = /^[A-Za-z0-9_]+$/,
    reFlag = /^!?(fin|syn|rst|psh|ack|urg)$/i;

function validPort(s) {
	return /^[0-9]+$/.test(s) && +s >= 1 && +s <= 65535;
}

function checkDuration(section_id, value) {
	if (value == null || value === '' || reDuration.test(value))
		return true;
	return _('A whole number, optionally with a unit: ms, s, m, h or d (e.g. 90, 1500ms, 2h)');
}

function checkPort(section_id, value) {
	if (value == null || value === '' || validPort(value))
		return true;
	return _('A port from 1 to 65535');
}

// checkKnocks: 1 to 32 knocks, each port[:tcp|udp].
function checkKnocks(section_id, value) {
	if (value == null || value === '')
		return true;
	var words = common.knockList(value);
	if (words.length > 32)
		return _('At most 32 knocks');
	for (var i = 0; i < words.length; i++) {
		var port = words[i].split(':')[0];
		if (!reKnock.test(words[i]) || !validPort(port))
			return _('"%s" is not a knock: write port or port:tcp / port:udp, ports 1-65535').format(words[i]);
	}
	return true;
}

function checkZone(section_id, value) {
	if (value == null || value === '' || (reZone.test(value) && value.length <= 64))
		return true;
	return _('A firewall zone name: letters, digits and _');
}

return view.extend({
	load: function() {
		return Promise.all([
			common.callStatus().catch(function(e) { return { error: e.message }; }),
			uci.load('knock').catch(function() {}),
			uci.load('network').catch(function() {}),
			uci.load('firewall').catch(function() {})
		]);
	},

	// notConfigured explains what is missing instead of a broken form.
	notConfigured: function(st) {
		var msg = st.error ? st.error :
			!st.installed ? _('The uciknock daemon is not installed. Install the uciknock package (opkg install uciknock / apk add uciknock).') :
			_('There is no /etc/config/knock yet. Reinstall the uciknock package, or create it: touch /etc/config/knock; uci set knock.main=knockd; uci commit knock');
		return E('div', { 'class': 'cbi-map' }, [
			E('h2', {}, [ _('Port Knocking') ]),
			E('div', { 'class': 'alert-message warning', 'id': 'knock-not-configured' }, [ msg ])
		]);
	},

	render: function(data) {
		var st = data[0] || {};

		if (!st.configured)
			return this.notConfigured(st);

		var networks = uci.sections('network', 'interface').map(function(s) { return s['.name']; }).filter(function(n) { return n != 'loopback'; }),
		    zones = uci.sections('firewall', 'zone').map(function(s) { return s.name; }).filter(function(n) { return n; }),
		    m;

		// A file without the global section (written by hand): offer it,
		// named as in the shipped sample; it is created when saved.
		if (!uci.sections('knock', 'knockd').length)
			uci.add('knock', 'knockd', 'main');

		m = new form.Map('knock', _('Port Knocking'),
			_('Knock sequences open a firewall port (or a port forward) for the address that knocked. Doors close after their timeout or on a close sequence; see Open doors.'));
		this.map = m;

		this.globalSection(m, networks, zones);
		var s = this.sequenceSection(m);
		this.knockOptions(s);
		this.totpOptions(s);
		this.matchOptions(s);
		this.doorOptions(s, zones);
		this.commandOptions(s);

		return m.render().then(L.bind(function(node) {
			this.errorBox = E('div', { 'id': 'knock-check-summary' });
			node.insertBefore(this.errorBox, node.firstChild.nextSibling);
			if (!st.running)
				node.insertBefore(E('div', { 'class': 'alert-message notice', 'id': 'knock-daemon-state' }, [
					st.enabled ? _('uciknockd is not running: saved sequences take effect when it starts (/etc/init.d/knock start).')
					           : _('Port knocking is disabled (Enabled is off): no daemon runs.')
				]), this.errorBox);
			return node;
		}, this));
	},

	// globalSection: the `config knockd` section, common settings first.
	globalSection: function(m, networks, zones) {
		var s, o;

		s = m.section(form.TypedSection, 'knockd', _('Global settings'));
		s.anonymous = true;
		s.addremove = false;
		s.tab('general', _('General'));
		s.tab('advanced', _('Advanced'));

		o = s.taboption('general', form.Flag, 'enabled', _('Enabled'), _('Off: the init script starts no daemon.'));
		o.default = '1';
		o.rmempty = false;

		o = s.taboption('general', form.DynamicList, 'interface', _('Interfaces'),
			_('Networks (resolved to their current device) or device names where knocks are captured; * captures on every interface. Default: wan.'));
		networks.forEach(function(n) { o.value(n); });
		o.value('*', _('* (every interface)'));
		o.placeholder = 'wan';
		o.validate = function(sid, v) {
			if (v == null || v === '' || v == '*' || v == 'any' || (/^[^\/:\s]+$/.test(v) && v.length <= 15))
				return true;
			return _('An interface: at most 15 bytes, no "/", ":" or blanks');
		};

		o = s.taboption('general', form.ListValue, 'log_level', _('Log level'));
		o.value('', _('info (default)'));
		[ 'debug', 'info', 'warn', 'error' ].forEach(function(l) { o.value(l); });

		o = s.taboption('general', form.Value, 'batch_window', _('Batch window'),
			_('Door changes within this time become one firewall write and reload (milliseconds, or with a unit). 0 writes each at once.'));
		o.placeholder = '100';
		o.validate = checkDuration;

		o = s.taboption('advanced', form.Value, 'capacity', _('Tracked sources'), _('Knocking sources tracked at once (16-65536).'));
		o.placeholder = '4096';
		o.datatype = 'range(16,65536)';

		o = s.taboption('advanced', form.Value, 'src', _('Default source zone'));
		zones.forEach(function(z) { o.value(z); });
		o.placeholder = 'wan';
		o.validate = checkZone;

		o = s.taboption('advanced', form.Value, 'dest', _('Default forward zone'));
		zones.forEach(function(z) { o.value(z); });
		o.placeholder = 'lan';
		o.validate = checkZone;

		o = s.taboption('advanced', form.Value, 'reload_command', _('Firewall reload command'), _('Replaces fw4/fw3 detection. Run without a shell.'));
		o.placeholder = _('(detect fw4 or fw3)');

		o = s.taboption('advanced', form.Value, 'state_dir', _('State directory'), _('Where used one-time sequences are recorded (survives reboots).'));
		o.placeholder = '/etc/knock';
		o.validate = function(sid, v) { return (v == null || v === '' || /^\//.test(v)) ? true : _('An absolute path'); };

		o = s.taboption('advanced', form.Value, 'command_limit', _('Command time limit'), _('Longest run time of a start or stop command (seconds, or with a unit).'));
		o.placeholder = '30';
		o.validate = checkDuration;
	},

	// sequenceSection: the table of sequences; each opens in a dialog whose
	// Save runs the daemon's check first.
	sequenceSection: function(m) {
		var s;

		s = m.section(form.GridSection, 'sequence', _('Sequences'));
		s.anonymous = true;
		s.addremove = true;
		s.sortable = true;
		s.nodescriptions = true;
		s.addbtntitle = _('Add sequence');
		s.modaltitle = function(sid) {
			var n = uci.get('knock', sid, 'name');
			return _('Knock sequence') + (n ? ' » ' + n : '');
		};
		this.installModalCheck(s);
		s.tab('knocks', _('Knocks'));
		s.tab('door', _('What it does'));
		s.tab('command', _('Commands'));
		return s;
	},

	// knockOptions: what the knocks are (fixed, TOTP, one-time) and how
	// they are matched.
	knockOptions: function(s) {
		var o;

		o = s.taboption('knocks', form.Flag, 'enabled', _('Enabled'));
		o.default = '1';
		o.editable = true;

		o = s.taboption('knocks', form.Value, 'name', _('Name'),
			_('Door prefix: firewall rules are named NAME_IP_PORT. Letters, digits, _ and -, at most 64.'));
		o.validate = function(sid, v) {
			if (v == null || v === '')
				return true;
			if (v.length > 64 || !reName.test(v))
				return _('Letters, digits, _ and -, starting with a letter or digit, at most 64');
			return true;
		};

		o = s.taboption('knocks', form.ListValue, '_knocks', _('Knocks are'));
		o.modalonly = true;
		o.value('static', _('a fixed sequence'));
		o.value('totp', _('derived from a TOTP secret'));
		o.value('onetime', _('one-time sequences'));
		o.value('onetimefile', _('one-time sequences from a file'));
		o.cfgvalue = function(sid) { return common.knockKind(uci.get('knock', sid) || {}); };
		o.write = o.remove = function() {};

		o = s.taboption('knocks', form.Value, 'sequence', _('Sequence'), _('Ports in order, each optionally :udp (default tcp), e.g. 7000 8000:udp 9000.'));
		o.depends('_knocks', 'static');
		o.cfgvalue = function(sid) { var v = uci.get('knock', sid, 'sequence'); return Array.isArray(v) ? v.join(' ') : v; };
		o.validate = checkKnocks;
		o.textvalue = function(sid) {
			var sec = uci.get('knock', sid) || {};
			switch (common.knockKind(sec)) {
			case 'totp': return _('TOTP');
			case 'onetime': return _('one-time (%d)').format([].concat(sec.one_time_sequences).length);
			case 'onetimefile': return _('one-time file');
			}
			return common.knockList(sec.sequence).join(' ') || '-';
		};

		o = s.taboption('knocks', form.DynamicList, 'one_time_sequences', _('One-time sequences'), _('Each item a whole sequence, used once, in order.'));
		o.depends('_knocks', 'onetime');
		o.modalonly = true;
		o.validate = checkKnocks;

		o = s.taboption('knocks', form.Value, 'one_time_file', _('One-time file'), _('knockd-style file, one sequence per line.'));
		o.depends('_knocks', 'onetimefile');
		o.modalonly = true;
		o.validate = function(sid, v) { return (v == null || v === '' || /^\//.test(v)) ? true : _('An absolute path'); };
	},

	// totpOptions: knocks derived from a shared secret and the time.
	totpOptions: function(s) {
		var o;

		o = s.taboption('knocks', form.Value, 'totp_secret', _('TOTP secret'), _('Base32, at least 26 characters. The client set-up page shows the matching uciknock command.'));
		o.depends('_knocks', 'totp');
		o.modalonly = true;
		o.validate = function(sid, v) {
			if (v == null || v === '')
				return true;
			var b = v.replace(/[\s=-]/g, '').toUpperCase();
			if (!/^[A-Z2-7]*$/.test(b))
				return _('Base32 uses A-Z and 2-7 only');
			if (b.length < 26)
				return _('At least 26 base32 characters (16 bytes)');
			return true;
		};

		o = s.taboption('knocks', form.Button, '_generate', _('New secret'));
		o.depends('_knocks', 'totp');
		o.modalonly = true;
		o.inputtitle = _('Generate secret');
		o.inputstyle = 'apply';
		o.onclick = function(ev, sid) {
			var f = this.map.lookupOption('totp_secret', sid)[0];
			f.getUIElement(sid).setValue(common.generateSecret());
		};
		o.write = o.remove = function() {};

		o = s.taboption('knocks', form.Value, 'totp_length', _('Knocks per TOTP sequence'));
		o.depends('_knocks', 'totp');
		o.modalonly = true;
		o.placeholder = '3';
		o.datatype = 'range(1,32)';

		o = s.taboption('knocks', form.Value, 'totp_step', _('TOTP time step'), _('Seconds, or with a unit (5s to 1h).'));
		o.depends('_knocks', 'totp');
		o.modalonly = true;
		o.placeholder = '30';
		o.validate = checkDuration;

		o = s.taboption('knocks', form.Value, 'totp_ports', _('TOTP port range'), _('min-max, at least 16 ports.'));
		o.depends('_knocks', 'totp');
		o.modalonly = true;
		o.placeholder = '10000-59999';
		o.validate = function(sid, v) {
			if (v == null || v === '')
				return true;
			var m = /^([0-9]+)-([0-9]+)$/.exec(v);
			if (!m || !validPort(m[1]) || !validPort(m[2]) || +m[2] - +m[1] < 15)
				return _('min-max, ports 1-65535, at least 16 ports');
			return true;
		};

		o = s.taboption('knocks', form.ListValue, 'totp_proto', _('TOTP protocol'));
		o.depends('_knocks', 'totp');
		o.modalonly = true;
		o.value('', 'tcp');
		o.value('udp', 'udp');
	},

	// matchOptions: how knocks are matched (time allowed, TCP flags,
	// target address).
	matchOptions: function(s) {
		var o;

		o = s.taboption('knocks', form.Value, 'seq_timeout', _('Sequence timeout'), _('Time from the first knock to the last (seconds, or with a unit).'));
		o.modalonly = true;
		o.placeholder = '25';
		o.validate = checkDuration;

		o = s.taboption('knocks', form.Value, 'tcpflags', _('TCP flags'), _('e.g. syn, or syn,!ack; recommended: syn.'));
		o.modalonly = true;
		o.placeholder = _('(any)');
		o.validate = function(sid, v) {
			if (v == null || v === '')
				return true;
			var w = v.split(/[\s,]+/).filter(function(x) { return x; });
			for (var i = 0; i < w.length; i++)
				if (!reFlag.test(w[i]))
					return _('"%s" is not a flag (fin, syn, rst, psh, ack, urg, optionally with !)').format(w[i]);
			return true;
		};

		o = s.taboption('knocks', form.Value, 'target', _('Knock target address'), _('Only knocks sent to this router address count.'));
		o.modalonly = true;
		o.datatype = 'ipaddr("nomask")';
		o.placeholder = _('(any)');
	},

	// doorOptions: the action and the options of each action; each shown
	// only for the actions that use it.
	doorOptions: function(s, zones) {
		var o;

		o = s.taboption('door', form.ListValue, 'action', _('Action'));
		o.value('open', _('open a port'));
		o.value('close', _('close a port'));
		o.value('forward', _('forward a port'));
		o.value('unforward', _('remove a forward'));
		o.value('command', _('run a command'));
		o.cfgvalue = function(sid) { return common.action(uci.get('knock', sid) || {}); };

		o = s.taboption('door', form.Value, 'dest_port', _('Port'), _('open/close: the router port; forward: the port on the internal host (default: the external port).'));
		o.depends('action', 'open');
		o.depends('action', 'close');
		o.depends('action', 'forward');
		o.validate = checkPort;
		o.textvalue = function(sid) {
			var sec = uci.get('knock', sid) || {}, a = common.action(sec);
			if (a == 'forward' || a == 'unforward')
				return (sec.src_dport || '?') + (sec.dest_ip ? ' → ' + sec.dest_ip + ':' + (sec.dest_port || sec.src_dport || '?') : '');
			if (a == 'command')
				return '-';
			return sec.dest_port || '-';
		};

		o = s.taboption('door', form.Value, 'src_dport', _('External port'), _('The port that is forwarded.'));
		o.depends('action', 'forward');
		o.depends('action', 'unforward');
		o.modalonly = true;
		o.validate = checkPort;

		o = s.taboption('door', form.Value, 'dest_ip', _('Internal host'));
		o.depends('action', 'forward');
		o.modalonly = true;
		o.datatype = 'ipaddr("nomask")';

		o = s.taboption('door', form.ListValue, 'proto', _('Protocol'));
		o.depends('action', 'open');
		o.depends('action', 'forward');
		o.modalonly = true;
		o.value('', 'tcp');
		o.value('udp', 'udp');
		o.value('tcp udp', 'tcp + udp');

		o = s.taboption('door', form.Value, 'src', _('Source zone'), _('Zone the door admits the knocker from (default: the global one).'));
		o.depends('action', 'open');
		o.depends('action', 'forward');
		o.modalonly = true;
		zones.forEach(function(z) { o.value(z); });
		o.validate = checkZone;

		o = s.taboption('door', form.Value, 'dest', _('Destination zone'), _('Zone of the internal host (default: the global one).'));
		o.depends('action', 'forward');
		o.modalonly = true;
		zones.forEach(function(z) { o.value(z); });
		o.validate = checkZone;

		o = s.taboption('door', form.Value, 'timeout', _('Door timeout'), _('The door closes by itself after this time (seconds, or with a unit); 0: never.'));
		o.depends('action', 'open');
		o.depends('action', 'forward');
		o.placeholder = '3600';
		o.validate = checkDuration;
		o.textvalue = function(sid) {
			var sec = uci.get('knock', sid) || {}, a = common.action(sec);
			return (a == 'open' || a == 'forward') ? (sec.timeout || '3600') : '-';
		};

		o = s.taboption('door', form.Flag, 'kill_sessions', _('Cut sessions on close'), _('Also delete the connections the door let in when it closes.'));
		o.depends('action', 'open');
		o.depends('action', 'forward');
		o.modalonly = true;
	},

	// commandOptions: knockd-style commands (action command).
	commandOptions: function(s) {
		var o;

		[ [ 'start_command', _('Start command'), _('Run when the sequence completes; %IP% is the source address. No shell.') ],
		  [ 'stop_command', _('Stop command'), _('Run the command timeout after the start command finished.') ],
		  [ 'start_command_6', _('Start command (IPv6)'), _('Default: the start command.') ],
		  [ 'stop_command_6', _('Stop command (IPv6)'), _('Default: the stop command.') ] ].forEach(function(c) {
			o = s.taboption('command', form.Value, c[0], c[1], c[2]);
			o.depends('action', 'command');
			o.modalonly = true;
		});

		o = s.taboption('command', form.Value, 'cmd_timeout', _('Command timeout'), _('Delay between start and stop command (seconds, or with a unit).'));
		o.depends('action', 'command');
		o.modalonly = true;
		o.placeholder = '10';
		o.validate = checkDuration;
	},

	// installModalCheck makes the modal's Save run the daemon's validator
	// first; the modal stays open with the errors at their fields.
	installModalCheck: function(s) {
		var orig = s.handleModalSave;

		s.handleModalSave = function(modalMap, ev) {
			var mapNode = this.getActiveModalMap(),
			    activeMap = dom.findClassInstance(mapNode),
			    sid = activeMap.section,
			    self = this,
			    args = arguments;

			return fielderrors.checkParsed(activeMap).then(function(res) {
				var mine = res.errors.filter(function(e) { return e.sid == sid || !e.sid; });
				if (mine.length) {
					fielderrors.show(mine, null);
					var top = mapNode.querySelector('.knock-check-error');
					if (top && top.scrollIntoView)
						top.scrollIntoView();
					return;
				}
				fielderrors.clear();
				return orig.apply(self, args);
			}, function() {
				return orig.apply(self, args);
			});
		};
	},

	// handleSave checks the whole configuration with the daemon before
	// anything is saved; it resolves to false when the daemon refused it.
	handleSave: function(ev) {
		var m = this.map, box = this.errorBox;

		if (!m)
			return Promise.resolve(false);

		return fielderrors.checkParsed(m).then(function(res) {
			if (!res.ok) {
				fielderrors.show(res.errors, box);
				ui.addNotification(null, E('p', { 'class': 'knock-save-refused' }, [
					_('Not saved: uciknockd reported %d problem(s); they are shown at their fields.').format(res.errors.length)
				]), 'warning');
				return false;
			}
			return m.save().then(function() { fielderrors.clear(); if (box) dom.content(box, []); return true; });
		}, function(err) {
			ui.addNotification(null, E('p', {}, [ _('Not saved: %s').format(err.message) ]), 'warning');
			return false;
		});
	},

	handleSaveApply: function(ev, mode) {
		return this.handleSave(ev).then(function(ok) {
			if (ok)
				ui.changes.apply(mode == '0');
		});
	}
});
