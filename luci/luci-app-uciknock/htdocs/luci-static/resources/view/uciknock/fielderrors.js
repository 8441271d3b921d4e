'use strict';
'require baseclass';
'require dom';
'require ui';
'require uci';
'require view.uciknock.common as common';

// The daemon's validation errors in the Sequences form: each next to the
// field its UCI path names, and LuCI's unsaved uci state kept as it was
// when a check had to parse a form the daemon then refused.

// fieldNode finds where an error about sid's option goes: the field in
// the open modal or on the page, else (also for errors about the whole
// section, option null) the section in the modal or its table row.
function fieldNode(sid, option) {
	var modal = document.querySelector('body.modal-overlay-active .modal'),
	    scope = modal || document,
	    node = option ? scope.querySelector('[id="cbi-knock-' + sid + '-' + option + '"]') : null;

	if (node)
		return node;
	if (modal)
		return modal.querySelector('[id="cbi-knock-' + sid + '"]') || modal.querySelector('.cbi-map');
	var row = document.getElementById('cbi-knock-' + sid);
	if (row)
		return (option && row.querySelector('[data-name="' + option + '"]')) || row.querySelector('td') || row;
	return null;
}

function clearErrors() {
	document.querySelectorAll('.knock-check-error').forEach(function(n) { n.parentNode.removeChild(n); });
	document.querySelectorAll('.knock-field-invalid').forEach(function(n) { n.classList.remove('knock-field-invalid', 'cbi-input-invalid'); });
}

// revealFirstError marks the tabs holding errors (as LuCI does for its
// own validation) and switches to the tab of the first one, so the message
// is on screen.
function revealFirstError() {
	var scope = document.querySelector('body.modal-overlay-active .modal') || document,
	    first = scope.querySelector('.knock-check-error'),
	    pane = first ? first.closest('[data-tab-title]') : null;

	ui.tabs.updateTabs(null, scope);
	if (!pane || pane.getAttribute('data-tab-active') == 'true')
		return;
	var menu = pane.parentNode.previousElementSibling,
	    link = menu ? menu.querySelector('[data-tab="' + pane.getAttribute('data-tab') + '"] > a') : null;
	if (link)
		link.click();
}

// showErrors puts each error next to its field (in the open modal, the
// form, or the table row of its section); the rest go in a box above the
// form. It returns how many errors were shown.
function showErrors(errors, box) {
	clearErrors();
	var rest = [];

	errors.forEach(function(e) {
		var node = e.sid ? fieldNode(e.sid, e.option || null) : null;
		if (!node) {
			rest.push(e);
			return;
		}
		var isField = node.classList.contains('cbi-value') || node.hasAttribute('data-name'),
		    field = isField ? (node.querySelector('.cbi-value-field') || node) : node,
		    input = isField ? field.querySelector('input, select, textarea') : null;
		if (input)
			input.classList.add('knock-field-invalid', 'cbi-input-invalid');
		var msg = E('div', {
			'class': 'cbi-value-description knock-check-error',
			'style': 'color:#c00;font-weight:bold',
			'data-path': e.path || ''
		}, [ e.message ]);
		if (isField)
			field.appendChild(msg);
		else
			field.insertBefore(msg, field.firstChild);
	});

	revealFirstError();

	if (box) {
		dom.content(box, rest.length ? [
			E('div', { 'class': 'alert-message warning knock-check-error' }, [
				E('p', {}, [ _('The configuration was not saved: uciknockd found these problems.') ]),
				E('ul', {}, rest.map(function(e) {
					return E('li', { 'data-path': e.path || '' }, [ (e.path ? e.path + ': ' : '') + e.message ]);
				}))
			])
		] : []);
	}
	return errors.length;
}

// snapshot / restore keep LuCI's unsaved uci state as it was when a check
// parsed a modal (or set a value) that the daemon then refused.
function snapshot() {
	var st = uci.state;
	return JSON.stringify({ c: st.creates, h: st.changes, d: st.deletes, r: st.reorder });
}

function restore(snap) {
	var s = JSON.parse(snap);
	uci.state.creates = s.c;
	uci.state.changes = s.h;
	uci.state.deletes = s.d;
	uci.state.reorder = s.r;
}

// checkParsed parses a form map into LuCI's uci state, has the daemon
// check the configuration as it would then be saved, and puts the state
// back as it was, also when parsing or the check fail. It resolves to the
// check's result; saving is the caller's (it parses the map again).
function checkParsed(map) {
	var snap = snapshot();
	return map.parse().then(function() {
		return common.check();
	}).then(function(res) {
		restore(snap);
		return res;
	}, function(err) {
		restore(snap);
		throw err;
	});
}

return baseclass.extend({
	show: showErrors,
	clear: clearErrors,
	snapshot: snapshot,
	restore: restore,
	checkParsed: checkParsed
});
