'use strict';
'require view';
'require dom';
'require poll';
'require ui';
'require uci';
'require view.uciknock.common as common';

// Services → Port Knocking → Open doors: every door uciknockd keeps in the
// firewall, refreshed every 3 seconds. Close goes through the daemon
// (uciknockd close over its control socket); the browser never edits the
// firewall file.

var pollInterval = 3;

function formatLeft(d) {
	if (d.expired)
		return _('expired, closing');
	if (d.seconds_left == null || d.seconds_left < 0)
		return _('never (until closed)');
	var s = d.seconds_left, h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
	if (h > 0)
		return '%dh %02dm %02ds'.format(h, m, s % 60);
	if (m > 0)
		return '%dm %02ds'.format(m, s % 60);
	return '%ds'.format(s);
}

// sequenceOf finds the sequence section that opens this door: the door
// name is PREFIX_SOURCE_PORT, PREFIX the sequence's name. A name too long
// for the firewall is shortened by the daemon, so then the longest prefix
// the name starts with is taken.
function sequenceOf(d) {
	var exact = null, best = null, bestLen = 0;
	uci.sections('knock', 'sequence').forEach(function(s) {
		var a = common.action(s), prefix = s.name || (s['.anonymous'] ? null : s['.name']),
		    label = s['.anonymous'] ? prefix : s['.name'];
		if (!prefix || (a != 'open' && a != 'forward'))
			return;
		if (!exact && prefix + '_' + d.source + '_' + d.port == d.name)
			exact = label;
		else if ((d.name || '').indexOf(prefix) == 0 && prefix.length > bestLen) {
			best = label;
			bestLen = prefix.length;
		}
	});
	return exact || best;
}

return view.extend({
	load: function() {
		return Promise.all([
			common.callStatus().catch(function(e) { return { error: e.message, doors: [] }; }),
			uci.load('knock').catch(function() {})
		]);
	},

	handleClose: function(target, ev) {
		return common.callClose(target).then(L.bind(function(res) {
			if (!res.ok)
				ui.addNotification(null, E('p', {}, [ _('Could not close %s: %s').format(target, res.message || '?') ]), 'error');
			return this.refresh();
		}, this)).catch(function(e) {
			ui.addNotification(null, E('p', {}, [ _('Could not close %s: %s').format(target, e.message) ]), 'error');
		});
	},

	refresh: function() {
		return common.callStatus().then(L.bind(this.update, this)).catch(L.bind(function(e) {
			this.update({ error: e.message, doors: [] });
		}, this));
	},

	renderState: function(st) {
		var items = [],
		    kernel = (st.doors || []).every(function(d) { return d.live_in_kernel; });

		if (st.error)
			items.push(E('div', { 'class': 'alert-message warning' }, [ st.error ]));
		else if (!st.configured)
			items.push(E('div', { 'class': 'alert-message warning' }, [ _('Port knocking is not configured yet (no /etc/config/knock).') ]));

		items.push(E('table', { 'class': 'table', 'id': 'knock-daemon' }, [
			E('tr', { 'class': 'tr' }, [
				E('td', { 'class': 'td left', 'width': '33%' }, [ _('Daemon') ]),
				E('td', { 'class': 'td left', 'id': 'knock-running' }, [
					st.running ? E('span', { 'style': 'color:#080' }, [ _('running') ]) :
					E('span', { 'style': 'color:#c00' }, [
						!st.installed ? _('not installed') :
						!st.enabled ? _('not running (disabled in the configuration)') :
						_('not running: doors are not opened and time out only through the firewall\'s stop date (/etc/init.d/knock start)')
					])
				])
			]),
			E('tr', { 'class': 'tr' }, [
				E('td', { 'class': 'td left' }, [ _('Sequences enabled') ]),
				E('td', { 'class': 'td left' }, [ String(st.sequences || 0) ])
			]),
			E('tr', { 'class': 'tr' }, [
				E('td', { 'class': 'td left' }, [ _('Doors live in the kernel') ]),
				E('td', { 'class': 'td left', 'id': 'knock-kernel' }, [
					!(st.doors || []).length ? _('no doors open') :
					kernel ? _('yes, every door') :
					_('not confirmed for every door: a door is confirmed once the daemon\'s fast path has it in the kernel; without the fast path (fw3, a custom reload command) doors work from the next firewall reload on')
				])
			])
		]));
		return items;
	},

	renderDoors: function(st) {
		var doors = st.doors || [];

		if (!doors.length)
			return E('p', { 'id': 'knock-no-doors', 'class': 'cbi-section-descr' }, [ _('No door is open.') ]);

		var rows = [
			E('tr', { 'class': 'tr table-titles' }, [
				E('th', { 'class': 'th' }, [ _('Name') ]),
				E('th', { 'class': 'th' }, [ _('Kind') ]),
				E('th', { 'class': 'th' }, [ _('Source') ]),
				E('th', { 'class': 'th' }, [ _('Port(s)') ]),
				E('th', { 'class': 'th' }, [ _('Sequence') ]),
				E('th', { 'class': 'th' }, [ _('Time left') ]),
				E('th', { 'class': 'th' }, [ _('Kernel') ]),
				E('th', { 'class': 'th cbi-section-actions' }, [ ])
			])
		];

		doors.forEach(L.bind(function(d) {
			var ports = (d.proto ? d.proto + ' ' : '') + (d.port || '?') + (d.type == 'redirect' ? ' → ' + (d.dest_ip || '?') + ':' + (d.dest_port || d.port || '?') : ''),
			    note = !d.enabled ? ' ' + _('(disabled by a user)') : d.edited_by_user ? ' ' + _('(edited by a user)') : '';

			rows.push(E('tr', { 'class': 'tr knock-door', 'data-name': d.name, 'data-source': d.source }, [
				E('td', { 'class': 'td', 'data-title': _('Name') }, [ d.name + note ]),
				E('td', { 'class': 'td', 'data-title': _('Kind') }, [ d.type == 'redirect' ? _('forward (redirect)') : _('open port (rule)') ]),
				E('td', { 'class': 'td', 'data-title': _('Source') }, [ d.source || '?' ]),
				E('td', { 'class': 'td', 'data-title': _('Port(s)') }, [ ports ]),
				E('td', { 'class': 'td', 'data-title': _('Sequence') }, [ sequenceOf(d) || '-' ]),
				E('td', { 'class': 'td knock-left', 'data-title': _('Time left') }, [ formatLeft(d) ]),
				E('td', { 'class': 'td knock-kernel', 'data-title': _('Kernel') }, [ d.live_in_kernel ? _('live') : _('not confirmed') ]),
				E('td', { 'class': 'td cbi-section-actions' }, [
					E('button', {
						'class': 'btn cbi-button cbi-button-remove knock-close',
						'title': _('Close this door now'),
						'click': ui.createHandlerFn(this, 'handleClose', d.name)
					}, [ _('Close') ]), ' ',
					E('button', {
						'class': 'btn cbi-button cbi-button-negative knock-close-source',
						'title': _('Close every door of %s').format(d.source),
						'click': ui.createHandlerFn(this, 'handleClose', d.source),
						'disabled': d.source ? null : true
					}, [ _('Close all from %s').format(d.source || '?') ])
				])
			]));
		}, this));

		return E('table', { 'class': 'table', 'id': 'knock-doors' }, rows);
	},

	update: function(st) {
		dom.content(this.stateNode, this.renderState(st));
		dom.content(this.doorsNode, this.renderDoors(st));
	},

	render: function(data) {
		this.stateNode = E('div', { 'id': 'knock-state' });
		this.doorsNode = E('div', { 'id': 'knock-doors-box' });
		this.update(data[0] || {});
		poll.add(L.bind(this.refresh, this), pollInterval);

		return E('div', { 'class': 'cbi-map' }, [
			E('h2', {}, [ _('Open doors') ]),
			E('div', { 'class': 'cbi-map-descr' }, [
				_('Doors uciknockd opened for knocking sources, refreshed every %d seconds. Close asks the daemon to close a door now; it is removed from the firewall and the firewall reloads.').format(pollInterval)
			]),
			E('div', { 'class': 'cbi-section' }, [ this.stateNode ]),
			E('div', { 'class': 'cbi-section' }, [ E('h3', {}, [ _('Doors') ]), this.doorsNode ])
		]);
	},

	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
