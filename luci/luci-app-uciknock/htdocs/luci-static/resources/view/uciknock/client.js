'use strict';
'require view';
'require dom';
'require ui';
'require uci';
'require view.uciknock.common as common';
'require view.uciknock.fielderrors as fielderrors';

// Services → Port Knocking → Client set-up: for each enabled sequence the
// exact uciknock command line and the line for the client's config file.
// TOTP secrets can be made here with WebCrypto; a new one is only ever
// sent to this router, and only when the user saves it.

function shellWord(w) {
	return /^[A-Za-z0-9_.:\/@%+=,-]+$/.test(w) ? w : "'" + w.replace(/'/g, "'\\''") + "'";
}

// doorName makes a client config door name: letters, digits, _ - and .,
// at most 64, not starting with -.
function doorName(s) {
	var n = (s.name || s['.name'] || 'door').replace(/[^A-Za-z0-9_.-]/g, '_');
	var a = common.action(s);
	if (a == 'close' || a == 'unforward')
		n += '-close';
	n = n.replace(/^-+/, '');
	return n.substring(0, 64) || 'door';
}

// clientLines returns { command, config, note } for a sequence, or null
// when no command line can knock it.
function clientLines(s, host, secret) {
	var kind = common.knockKind(s), h = s.target || host,
	    args = [ 'uciknock' ], conf = [ 'door', doorName(s), 'host', h ], note = null;

	switch (kind) {
	case 'totp':
		args.push('--totp', secret || s.totp_secret);
		conf.push('totp', secret || s.totp_secret);
		if (s.totp_length && s.totp_length != '3') { args.push('-n', s.totp_length); conf.push('length', s.totp_length); }
		if (s.totp_step && s.totp_step != '30') { args.push('--step', s.totp_step); conf.push('step', s.totp_step); }
		if (s.totp_ports && s.totp_ports != '10000-59999') {
			var r = s.totp_ports.split('-');
			args.push('--min', r[0], '--max', r[1]);
			conf.push('min', r[0], 'max', r[1]);
		}
		if (s.totp_proto == 'udp') { args.push('-u'); conf.push('udp'); }
		args.push(h);
		break;
	case 'onetime':
		var seqs = [].concat(s.one_time_sequences);
		args.push(h);
		args = args.concat(common.knockList(seqs[0]));
		conf.push('ports', common.knockList(seqs[0]).join(','));
		note = _('One-time sequences work once each, in order; this is the first. The next: %s').format(seqs.slice(1).join(' | ') || '-');
		break;
	case 'onetimefile':
		return { command: null, config: null, note: _('One-time sequences from %s: knock the next unused line with uciknock %s PORT ...').format(s.one_time_file, h) };
	default:
		var knocks = common.knockList(s.sequence);
		args.push(h);
		args = args.concat(knocks);
		conf.push('ports', knocks.join(','));
	}

	return { command: args.map(shellWord).join(' '), config: conf.join(' '), note: note };
}

function describe(s) {
	var a = common.action(s);
	switch (a) {
	case 'open': return _('opens port %s').format(s.dest_port || '?');
	case 'close': return _('closes port %s').format(s.dest_port || '?');
	case 'forward': return _('forwards port %s to %s').format(s.src_dport || '?', (s.dest_ip || '?') + ':' + (s.dest_port || s.src_dport || '?'));
	case 'unforward': return _('removes the forward of port %s').format(s.src_dport || '?');
	}
	return _('runs a command');
}

return view.extend({
	load: function() {
		return Promise.all([
			uci.load('knock').then(function() { return true; }, function() { return false; })
		]);
	},

	handleGenerate: function(sid, ev) {
		this.pending[sid] = common.generateSecret();
		this.draw();
	},

	// handleStore puts a generated secret into the sequence, checks the
	// result with uciknockd like the Sequences page does, and applies it.
	handleStore: function(sid, ev) {
		var snap = fielderrors.snapshot();
		uci.set('knock', sid, 'totp_secret', this.pending[sid]);
		return common.check().then(L.bind(function(res) {
			if (!res.ok) {
				fielderrors.restore(snap);
				ui.addNotification(null, E('p', {}, [ _('Not saved: %s').format(res.errors.map(function(e) { return e.message; }).join('; ')) ]), 'error');
				return;
			}
			delete this.pending[sid];
			return uci.save().then(function() { ui.changes.apply(true); });
		}, this));
	},

	draw: function() {
		var host = this.hostInput.value.trim() || 'ROUTER',
		    cards = [];

		uci.sections('knock', 'sequence').forEach(L.bind(function(s) {
			if (!common.isEnabled(s.enabled))
				return;
			var sid = s['.name'], kind = common.knockKind(s),
			    pending = this.pending[sid],
			    lines = clientLines(s, host, pending),
			    title = (s.name || (s['.anonymous'] ? _('unnamed sequence') : sid)) + ' — ' + describe(s);

			var body = [ E('h3', {}, [ title ]) ];
			if (lines.command) {
				body.push(E('p', {}, [ _('Command line:') ]));
				body.push(E('pre', { 'class': 'knock-command', 'data-sid': sid, 'style': 'user-select:all;white-space:pre-wrap' }, [ lines.command ]));
				body.push(E('p', {}, [ _('Client config line (~/.config/uciknock.conf, mode 0600), then: uciknock %s').format(doorName(s)) ]));
				body.push(E('pre', { 'class': 'knock-client-config', 'data-sid': sid, 'style': 'user-select:all;white-space:pre-wrap' }, [ lines.config ]));
			}
			if (lines.note)
				body.push(E('p', { 'class': 'cbi-section-descr' }, [ lines.note ]));
			if (kind == 'totp') {
				body.push(E('div', {}, [
					E('button', { 'class': 'btn cbi-button cbi-button-action knock-generate', 'click': ui.createHandlerFn(this, 'handleGenerate', sid) }, [ _('Generate secret') ]),
					' ',
					pending ? E('button', { 'class': 'btn cbi-button cbi-button-apply knock-store', 'click': ui.createHandlerFn(this, 'handleStore', sid) }, [ _('Save this secret on the router') ]) : '',
					pending ? E('p', { 'class': 'alert-message notice' }, [ _('New secret made in this browser (WebCrypto); it is not active until you save it on the router. The old one keeps working until then.') ]) : ''
				]));
			}
			cards.push(E('div', { 'class': 'cbi-section knock-client', 'data-sid': sid }, body));
		}, this));

		if (!cards.length)
			cards.push(E('p', { 'id': 'knock-no-sequences' }, [ _('No enabled sequence. Add one on the Sequences page.') ]));
		dom.content(this.cardsNode, cards);
	},

	render: function(data) {
		if (!data[0])
			return E('div', { 'class': 'cbi-map' }, [
				E('h2', {}, [ _('Client set-up') ]),
				E('div', { 'class': 'alert-message warning', 'id': 'knock-not-configured' }, [ _('There is no /etc/config/knock yet: install the uciknock package first.') ])
			]);

		this.pending = {};
		this.cardsNode = E('div', {});
		this.hostInput = E('input', {
			'type': 'text', 'class': 'cbi-input-text', 'id': 'knock-host',
			'value': window.location.hostname,
			'input': L.bind(this.draw, this)
		});
		this.draw();

		return E('div', { 'class': 'cbi-map' }, [
			E('h2', {}, [ _('Client set-up') ]),
			E('div', { 'class': 'cbi-map-descr' }, [
				_('Commands for the uciknock client (on a router that knocks other hosts: the uciknock-client package; on a PC: go install github.com/uciknock/uciknock/cmd/uciknock@latest). Knock the address the router has on the network you knock from.')
			]),
			E('div', { 'class': 'cbi-section' }, [
				E('div', { 'class': 'cbi-value' }, [
					E('label', { 'class': 'cbi-value-title', 'for': 'knock-host' }, [ _('Router address') ]),
					E('div', { 'class': 'cbi-value-field' }, [ this.hostInput ])
				])
			]),
			this.cardsNode
		]);
	},

	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
